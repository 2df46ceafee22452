//! Background work shared by `serve` and the dashboard: the publish outbox forwarder
//! (`outbox`), the red flag evaluator's pass (`evaluator`), the n8n run dispatcher
//! (`dispatch`), and the runner that starts and stops them together (`runner`). More to come:
//! the ingestion scheduler.

pub mod dispatch;
pub mod evaluator;
pub mod every;
pub mod outbox;
pub mod runner;
