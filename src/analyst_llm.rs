//! Optional phrasing of the AI analyst's answers by a language model (config `[analyst]`):
//! the engine's facts (question, answer, actions, confidence, cited items) are sent to an
//! OpenAI-compatible `/v1/chat/completions` endpoint, and its reply replaces only the answer's
//! text. Numbers and citations stay the engine's: a reply that drops one of the engine's
//! figures is not used. Any failure (refused, timeout, non-2xx, a body without a reply) is an
//! [`PhraseError`]; the route then answers the engine's own text.

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::{AnalystConfig, Secret};
use crate::domain::analyst::Answer;

pub const DEFAULT_TIMEOUT_SECS: u64 = 5;
const DEFAULT_MODEL: &str = "gpt-4o-mini";
const SYSTEM: &str = "You rephrase a dashboard analyst's answer for an operator, in two or three \
    plain sentences. Use only the facts given. Keep every number exactly as written. Do not add \
    numbers, advice or items that are not in the facts.";

/// Why a phrasing was not used.
#[derive(Debug, thiserror::Error)]
pub enum PhraseError {
    #[error("the language model did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the language model could not be reached: {0}")]
    Request(String),
    #[error("the language model answered HTTP {0}")]
    Status(u16),
    #[error("the language model's answer holds no reply")]
    Malformed,
    #[error("the language model's reply dropped the figure {0}")]
    DroppedFigure(String),
}

/// The configured endpoint.
#[derive(Debug, Clone)]
pub struct Phraser {
    client: reqwest::Client,
    url: String,
    model: String,
    key: Option<Secret>,
    timeout: Duration,
}

impl Phraser {
    /// `None` without `llm_url`. The key is read from the environment variable the config
    /// names (never from the file).
    pub fn from_config(config: &AnalystConfig) -> Option<Phraser> {
        let url = config
            .llm_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())?;
        let key = config
            .llm_key_env
            .as_deref()
            .and_then(|name| std::env::var(name.trim()).ok())
            .and_then(Secret::non_blank);
        let timeout = Duration::from_secs(
            config
                .llm_timeout_secs
                .unwrap_or(DEFAULT_TIMEOUT_SECS)
                .max(1),
        );
        Some(Phraser::new(
            url,
            config.llm_model.as_deref().unwrap_or(DEFAULT_MODEL),
            key,
            timeout,
        ))
    }

    pub fn new(url: &str, model: &str, key: Option<Secret>, timeout: Duration) -> Phraser {
        Phraser {
            client: crate::tls::http_client(),
            url: url.to_string(),
            model: model.to_string(),
            key,
            timeout,
        }
    }

    /// The model's wording of `answer`, checked to keep the engine's figures.
    pub async fn phrase(&self, question: &str, answer: &Answer) -> Result<String, PhraseError> {
        match tokio::time::timeout(self.timeout, self.ask(question, answer)).await {
            Ok(result) => result,
            Err(_) => Err(PhraseError::Timeout(self.timeout)),
        }
    }

    async fn ask(&self, question: &str, answer: &Answer) -> Result<String, PhraseError> {
        let facts = json!({
            "question": question,
            "answer": answer.answer,
            "suggested_actions": answer.suggested_actions,
            "confidence": answer.confidence,
            "citations": answer.citations,
        });
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": facts.to_string()},
            ],
        });
        let mut request = self.client.post(&self.url).json(&body);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|e| PhraseError::Request(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(PhraseError::Status(status.as_u16()));
        }
        let reply: Value = response.json().await.map_err(|_| PhraseError::Malformed)?;
        let text = reply["choices"][0]["message"]["content"]
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(PhraseError::Malformed)?;
        if let Some(figure) = figures(&answer.answer)
            .into_iter()
            .find(|f| !text.contains(f.as_str()))
        {
            return Err(PhraseError::DroppedFigure(figure));
        }
        Ok(text.to_string())
    }
}

/// The engine's figures a phrasing must keep: its decimals ("0.1000") and percentages ("+35%").
fn figures(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ';' | ':'))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| w.ends_with('%') || (w.contains('.') && w.chars().any(|c| c.is_ascii_digit())))
        .filter(|w| {
            w.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '%' | '+' | '-'))
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_are_the_decimals_and_percentages() {
        assert_eq!(
            figures("telegram works best: 0.1000 over 20 measurements, +100% against x (0.0500)."),
            vec!["0.1000", "+100%", "0.0500"]
        );
        assert!(figures("No run failed in this range (3 runs started).").is_empty());
    }

    #[test]
    fn no_url_no_phraser() {
        assert!(Phraser::from_config(&AnalystConfig::default()).is_none());
        let config = AnalystConfig {
            llm_url: Some("http://127.0.0.1:9/v1/chat/completions".into()),
            ..AnalystConfig::default()
        };
        assert_eq!(
            Phraser::from_config(&config).unwrap().timeout,
            Duration::from_secs(DEFAULT_TIMEOUT_SECS)
        );
    }
}
