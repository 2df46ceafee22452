//! The AI analyst as one call, shared by `POST /api/ai-analyst/query`, the dashboard's `:ask`
//! screen and the `eidos-recommendations` widget's fallback: a question -> what it asks
//! (`domain::analyst::recognize`) -> only the aggregates it needs (`store::analyst`) -> the
//! engine's answer -> optionally phrased by a language model (`analyst_llm`; numbers,
//! citations, actions and confidence stay the engine's). No caller repeats any of it.

use sqlx::PgPool;
use uuid::Uuid;

use crate::analyst_llm::Phraser;
use crate::domain::analyst::question::CAN_ANSWER;
use crate::domain::analyst::{self, Answer, Intent, TimeRange};
use crate::store::{self, StoreResult};

/// Who worded the answer's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhrasedBy {
    /// The engine's own text.
    Engine,
    /// The configured language model (checked to keep the engine's figures).
    Llm,
}

impl PhrasedBy {
    /// As the API answers it (`phrased_by`).
    pub fn as_str(self) -> &'static str {
        match self {
            PhrasedBy::Engine => "engine",
            PhrasedBy::Llm => "llm",
        }
    }
}

/// An answer and who worded it (`answer.answer` is the model's text when `Llm`).
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub answer: Answer,
    pub phrased_by: PhrasedBy,
}

/// Answers `question` about `persona_id` (`None`: every persona) over `range`.
pub async fn ask(
    pool: &PgPool,
    phraser: Option<&Phraser>,
    persona_id: Option<Uuid>,
    range: TimeRange,
    question: &str,
) -> StoreResult<Asked> {
    let intent = analyst::recognize(question);
    let data = match intent {
        Some(intent) => store::analyst::fetch(pool, persona_id, range, intent.needs()).await?,
        None => analyst::Aggregates::default(),
    };
    let mut answer = analyst::answer(intent, &data);
    // Only an answered question is phrased: the list of what can be asked stays as it is.
    let mut phrased_by = PhrasedBy::Engine;
    if let (Some(phraser), Some(_)) = (phraser, intent) {
        match phraser.phrase(question, &answer).await {
            Ok(text) => {
                answer.answer = text;
                phrased_by = PhrasedBy::Llm;
            }
            Err(error) => tracing::warn!("analyst: the engine's own text is answered: {error}"),
        }
    }
    Ok(Asked { answer, phrased_by })
}

/// The questions whose actions the recommendations widget offers when MPIS has none: where
/// to post, when, whether it is going up or down, what is broken.
pub const SUGGESTING: [Intent; 5] = [
    Intent::BestChannel,
    Intent::BestHour,
    Intent::Trend,
    Intent::FailedRuns,
    Intent::MissingMetrics,
];

/// A suggested action and how sure the answer behind it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub action: String,
    pub confidence: f64,
    pub from: Intent,
}

/// The analyst's top `limit` suggested actions for a persona and range: each of
/// [`SUGGESTING`] asked through [`ask`] (its example question, unphrased: actions are never
/// phrased), answers with confidence 0 (nothing to go on) left out, the most confident first,
/// each action once.
pub async fn top_actions(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    range: TimeRange,
    limit: usize,
) -> StoreResult<Vec<Suggestion>> {
    let mut all = Vec::new();
    for intent in SUGGESTING {
        let Some((_, question)) = CAN_ANSWER.iter().find(|(i, _)| *i == intent) else {
            continue;
        };
        let asked = ask(pool, None, persona_id, range, question).await?;
        if asked.answer.confidence <= 0.0 {
            continue;
        }
        for action in asked.answer.suggested_actions {
            all.push(Suggestion {
                action,
                confidence: asked.answer.confidence,
                from: intent,
            });
        }
    }
    Ok(rank(all, limit))
}

/// Most confident first (a stable sort keeps the order of [`SUGGESTING`] among equals), each
/// action once, at most `limit`.
fn rank(mut all: Vec<Suggestion>, limit: usize) -> Vec<Suggestion> {
    all.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let mut kept: Vec<Suggestion> = Vec::new();
    for suggestion in all {
        if kept.len() >= limit {
            break;
        }
        if !kept.iter().any(|k| k.action == suggestion.action) {
            kept.push(suggestion);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widgets_questions_are_recognized_as_what_they_stand_for() {
        for intent in SUGGESTING {
            let (_, question) = CAN_ANSWER.iter().find(|(i, _)| *i == intent).unwrap();
            assert_eq!(analyst::recognize(question), Some(intent), "{question}");
        }
    }

    #[test]
    fn suggestions_rank_by_confidence_once_each_within_the_limit() {
        let s = |action: &str, confidence: f64| Suggestion {
            action: action.to_string(),
            confidence,
            from: Intent::Trend,
        };
        let ranked = rank(
            vec![
                s("a", 0.2),
                s("b", 0.9),
                s("a", 0.95),
                s("c", 0.2),
                s("d", 0.1),
            ],
            3,
        );
        let actions: Vec<&str> = ranked.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(actions, ["a", "b", "c"]);
        assert_eq!(ranked[0].confidence, 0.95);
    }
}
