//! What an MPIS genesis draft looks like: a plausible first draft in MPIS's PersonaCore shape
//! for a start request (what MPIS's DRY_RUN pipeline makes) and the approver's prompt. The
//! sandbox answers `/genesis/start` with them, and the demo seed stores its waiting job with
//! them, so the sandbox can edit and commit that job as MPIS would.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::mpis::types::GenesisStartRequest;

/// A plausible first draft for a start request (what MPIS's DRY_RUN pipeline would make): a
/// credo, ethos, style and two primary topics, but no signature phrases yet, so the preview asks
/// for them.
pub fn first_draft(request: &GenesisStartRequest, now: DateTime<Utc>) -> Value {
    let name = request.persona_name.trim();
    let inspiration = request.inspiration_source.clone().unwrap_or_default();
    let about = if inspiration.is_empty() {
        String::new()
    } else {
        format!(", inspired by {inspiration}")
    };
    let sources: Vec<String> = request
        .sources
        .iter()
        .map(|source| format!("{}:{}", source.kind, source.reference))
        .collect();
    json!({
        "credo": {
            "summary": format!("{name} helps people turn hard questions into practical next steps{about}."),
            "statements": [
                "Clarity is a form of kindness",
                "Small faithful steps beat grand plans"
            ]
        },
        "ethos": {
            "virtues": ["honesty", "patience", "curiosity"],
            "anti_patterns": ["cynicism", "jargon"],
            "emotional_tone": ["warm", "direct", "hopeful", "calm"]
        },
        "theo_logic": {
            "principles": ["Start from what people already know", "Test ideas against lived experience"],
            "reasoning_style": "Socratic questions followed by a concrete suggestion"
        },
        "style": {
            "voice": "A mentor who speaks plainly",
            "cadence": "Short paragraphs, one idea each",
            "dos": ["Use concrete examples", "End with a question"],
            "donts": ["Lecture", "Overpromise"]
        },
        "lexicon": {
            "signature_phrases": [],
            "keywords": ["clarity", "practice", "courage"],
            "taboo_words": []
        },
        "topics": {"primary": ["leadership", "everyday practice"], "secondary": ["culture", "work"]},
        "alignment": {"faith_alignment_vector": []},
        "origin": {
            "inspiration_source": inspiration,
            "sources": sources,
            "created_at": now.to_rfc3339_opts(SecondsFormat::Secs, true)
        },
        "language": request.language
    })
}

/// The text MPIS shows the approver with each draft.
pub fn human_prompt(name: &str, draft_no: i32) -> String {
    format!(
        "Draft {draft_no} of the persona \"{name}\" is ready for review. Read the credo, tone, \
         style and topics. To change something, send edits (add, replace or remove at a path such \
         as credo.statements[0] or lexicon.signature_phrases); to accept the draft as it is, \
         approve it with confirm=true."
    )
}
