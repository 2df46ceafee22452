//! MPIS's persona preview (its card) and its prompt to the approver, as lines: shared by the
//! genesis form's answer and the genesis job view. Everything goes through `clean()`, and
//! MPIS's multi-line Markdown (the prompt, a summary) through `labelled_lines()`, line by line.

use ratatui::style::Style;
use ratatui::text::Line;

use crate::mpis::types::PersonaCard;
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, labelled_lines};

/// The card's lines (the first one labelled `name_label`), then "MPIS asks: …".
pub fn card_lines(
    theme: &Theme,
    card: Option<&PersonaCard>,
    prompt: Option<&str>,
    name_label: &str,
) -> Vec<Line<'static>> {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| clean(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = Vec::new();
    if let Some(card) = card {
        lines.push(Line::from(format!(
            "{name_label}: {} ({})",
            clean(&card.name),
            clean(&card.slug)
        )));
        if !card.summary.is_empty() {
            lines.extend(labelled_lines("summary: ", &card.summary, Style::default()));
        }
        lines.push(Line::from(format!(
            "top topics: {}",
            list(&card.top_topics)
        )));
        lines.push(Line::from(format!("tones: {}", list(&card.dominant_tones))));
        for action in &card.next_actions {
            lines.extend(labelled_lines("next: ", action, Style::default()));
        }
    }
    if let Some(prompt) = prompt {
        lines.extend(labelled_lines("MPIS asks: ", prompt, theme.accent()));
    }
    lines
}
