//! The integration tests, as one test binary: the store and the CLI against a real PostgreSQL
//! (one throwaway cluster for the whole run, a database per test), the MPIS client and sandbox
//! over real HTTP, the TUI through `TestBackend`, and the real binary end to end under tmux.
//! One crate links the library once instead of once per file.
//!
//! `tests/outbox_log.rs` stays a binary of its own: it installs a process-wide log subscriber
//! and counts lines, which other tests running beside it would add to.

mod api_common;
mod common;
mod tmux_common;
mod tui_common;

mod analyst;
mod api_analyst;
mod api_config_routes;
mod api_genesis;
mod api_login_limits;
mod api_metrics_ingest;
mod api_openapi;
mod api_ops;
mod api_publish;
mod api_red_flags_snapshot;
mod api_runs;
mod api_serve;
mod cli_check;
mod cli_conventions;
mod cli_tokens;
mod config_example;
mod demo_data;
mod demo_ingestion;
mod dispatch;
mod e2e_look;
mod e2e_oncall;
mod e2e_project_run;
mod e2e_tmux;
mod ingest_abandoned_runs;
mod ingest_instagram;
mod ingest_metric_writer;
mod ingest_scheduler;
mod ingest_telegram;
mod ingest_tiktok;
mod ingest_youtube;
mod ingestion_failing;
mod migrations;
mod mpis_client;
mod outbox_forwarder;
mod pg_local;
mod sandbox_database;
mod serve_instances;
mod store_catalog;
mod store_flag_drill;
mod store_id_prefix;
mod store_metrics_awaiting;
mod store_red_flags;
mod store_run_detail;
mod store_runs;
mod store_time_zones;
mod store_tokens;
mod stuck_runs;
mod tui_alerts;
mod tui_app;
mod tui_ask;
mod tui_charts;
mod tui_copy_and_hints;
mod tui_dump_and_mouse;
mod tui_genesis_edit;
mod tui_genesis_form;
mod tui_genesis_job;
mod tui_jobs;
mod tui_layout_editor;
mod tui_lists;
mod tui_look;
mod tui_nav;
mod tui_oncall;
mod tui_outbox;
mod tui_palette;
mod tui_project_run_forms;
mod tui_publish_checks;
mod tui_publish_form;
mod tui_screens;
mod tui_status_line;
mod tui_time_zones;
mod tui_widgets;
mod tui_worker;
