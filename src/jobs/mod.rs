//! Background work shared by `serve` and the dashboard: the publish outbox forwarder and the
//! n8n run dispatcher (more to come: ingestion scheduler, red flag evaluator).

pub mod dispatch;
pub mod outbox;
