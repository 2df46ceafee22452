//! The `:ask` screen's I/O: a question answered by the same call as the API's
//! (`crate::analyst::ask`), and the question history file written off the UI loop.

use std::path::PathBuf;

use uuid::Uuid;

use super::{Context, DataEvent};
use crate::domain::analyst::TimeRange;
use crate::store::StoreError;
use crate::tui::ask_history;

impl Context {
    pub(super) async fn ask(
        &self,
        seq: u64,
        persona_id: Option<Uuid>,
        range: TimeRange,
        question: String,
    ) {
        let result = crate::analyst::ask(
            &self.pool,
            self.phraser.as_deref(),
            persona_id,
            range,
            &question,
        )
        .await;
        // The connection state as every load reports it; the error in an operator's words.
        let plain = result.as_ref().err().map(StoreError::cause);
        let result = self.observe(result).map_err(|raw| {
            format!(
                "the analyst could not read the dashboard's data: {}",
                plain.unwrap_or(raw)
            )
        });
        self.send(DataEvent::Asked { seq, result });
    }

    pub(super) async fn record_ask_question(&self, path: PathBuf, question: String) {
        let result = tokio::task::spawn_blocking(move || {
            ask_history::append(&path, &question).map_err(|e| format!("{}: {e}", path.display()))
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        self.send(DataEvent::AskHistorySaved(result));
    }
}
