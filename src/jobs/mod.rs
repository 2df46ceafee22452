//! Background work shared by `serve` and the dashboard: the publish outbox forwarder
//! (`outbox`), the red flag evaluator's pass (`evaluator`), the n8n run dispatcher
//! (`dispatch`), the metrics ingestion scheduler (`ingest`), and the runner that starts and
//! stops them together (`runner`).

pub mod dispatch;
pub mod evaluator;
pub mod every;
pub mod ingest;
pub mod metric_writer;
pub mod outbox;
pub mod runner;
