//! The database writes the UI asks for: acknowledging and resolving flags, saving and removing
//! the user's layout, a pass of the red flag evaluator.

use serde_json::Value;
use uuid::Uuid;

use super::{Context, DataEvent};
use crate::store::layouts::{self, LayoutChanges, NewLayout};
use crate::store::red_flags::{self, RedFlag};

impl Context {
    pub(super) async fn acknowledge_flag(&self, id: Uuid) {
        let result = red_flags::acknowledge(&self.pool, id, &self.operator).await;
        self.report(result.map(|f| format!("acknowledged: {}", flag_name(&f))));
    }

    pub(super) async fn resolve_flag(&self, id: Uuid) {
        let result = red_flags::resolve(&self.pool, id, &self.operator).await;
        self.report(result.map(|f| format!("resolved: {}", flag_name(&f))));
    }

    /// Saves as the user's layout: updates their own, or creates it from a global one.
    pub(super) async fn save_layout(&self, own_id: Option<Uuid>, name: String, config: Value) {
        let result = match own_id {
            Some(id) => {
                let changes = LayoutChanges {
                    config: Some(config),
                    ..LayoutChanges::default()
                };
                layouts::update(&self.pool, id, &changes).await
            }
            None => {
                let new = NewLayout {
                    user_id: Some(self.user_id),
                    name,
                    is_default: true,
                    config,
                };
                layouts::create(&self.pool, &new).await
            }
        };
        let event = DataEvent::LayoutSaved(self.observe(result));
        self.send(event);
    }

    pub(super) async fn delete_layout(&self, id: Uuid) {
        let name = layouts::get(&self.pool, id)
            .await
            .ok()
            .flatten()
            .map(|l| l.name);
        let result = layouts::delete(&self.pool, id).await;
        let result = self.observe(result).map(|()| name.unwrap_or_default());
        self.send(DataEvent::LayoutDeleted(result));
    }

    pub(super) async fn rename_layout(&self, id: Uuid, name: String) {
        let changes = LayoutChanges {
            name: Some(name),
            ..LayoutChanges::default()
        };
        let result = layouts::update(&self.pool, id, &changes).await;
        let event = DataEvent::LayoutRenamed(self.observe(result));
        self.send(event);
    }

    /// One pass of the red flag evaluator (skipped while another process's pass runs).
    pub(super) async fn evaluate(&self) {
        let result = self.evaluator.pass().await;
        // Quiet on success: the widgets reload through the change notifications.
        if let Err(message) = self.observe(result) {
            self.send(DataEvent::ActionDone {
                message: format!("red flag evaluation failed: {message}"),
                ok: false,
            });
        }
    }
}

fn flag_name(flag: &RedFlag) -> String {
    flag.description
        .clone()
        .unwrap_or_else(|| flag.flag_type.clone())
}
