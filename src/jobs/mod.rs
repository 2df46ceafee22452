//! Background work shared by `serve` and the dashboard: the publish outbox forwarder (more to
//! come: ingestion scheduler, red flag evaluator, n8n dispatch).

pub mod outbox;
