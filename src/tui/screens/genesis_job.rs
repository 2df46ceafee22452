//! The genesis job view: status and progress (a gauge line), the draft's preview and MPIS's
//! prompt, the errors, the edit line while open, and after the confirm the persona id, version
//! and export paths. Everything from MPIS goes through `clean()`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::tui::app::App;
use crate::tui::forms::genesis_job::{EDIT_FIELDS, GenesisJobState};
use crate::tui::widgets::clean;

const GAUGE_WIDTH: usize = 30;

pub fn render(app: &App, state: &GenesisJobState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(
            format!(" Genesis job {} ", state.job_id),
            theme.header(),
        ))
        .title_bottom(Line::styled(
            " e edit draft · A approve · r reload · Esc back ",
            theme.muted(),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut lines: Vec<Line> = Vec::new();
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| clean(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &state.status {
        None if state.load_error.is_none() => lines.push(Line::styled(
            "loading the job status from MPIS…",
            theme.muted(),
        )),
        None => {}
        Some(status) => {
            lines.push(Line::styled(
                format!(
                    "status {} · draft {}{}",
                    clean(status.status.as_str()),
                    state.draft_no,
                    if state.loading {
                        " · ⠿ refreshing"
                    } else {
                        ""
                    }
                ),
                if status.status.is_final() {
                    theme.ok()
                } else {
                    theme.accent()
                },
            ));
            let percent = status.progress.percent.clamp(0, 100) as usize;
            let filled = percent * GAUGE_WIDTH / 100;
            lines.push(Line::from(format!(
                "{} [{}{}] {percent}%",
                clean(&status.progress.stage),
                "█".repeat(filled),
                "░".repeat(GAUGE_WIDTH - filled)
            )));
            if !status.progress.message.is_empty() {
                lines.push(Line::styled(clean(&status.progress.message), theme.muted()));
            }
            if let Some(preview) = &status.preview {
                lines.push(Line::raw(""));
                lines.push(Line::styled("── preview ──", theme.header()));
                lines.push(Line::from(format!(
                    "name: {} ({})",
                    clean(&preview.name),
                    clean(&preview.slug)
                )));
                if !preview.summary.is_empty() {
                    lines.push(Line::from(format!("summary: {}", clean(&preview.summary))));
                }
                lines.push(Line::from(format!(
                    "top topics: {}",
                    list(&preview.top_topics)
                )));
                lines.push(Line::from(format!(
                    "tones: {}",
                    list(&preview.dominant_tones)
                )));
                for action in &preview.next_actions {
                    lines.push(Line::from(format!("next: {}", clean(action))));
                }
            }
            if let Some(prompt) = &status.human_prompt {
                lines.push(Line::styled(
                    format!("MPIS asks: {}", clean(prompt)),
                    theme.accent(),
                ));
            }
            for error in &status.errors {
                lines.push(Line::styled(
                    format!("✖ {}", clean(error)),
                    theme.critical(),
                ));
            }
        }
    }
    if let Some(error) = &state.load_error {
        lines.push(Line::styled(
            format!("status not loaded: {}", clean(error)),
            theme.critical(),
        ));
    }
    if let Some(approved) = &state.approved {
        lines.push(Line::raw(""));
        lines.push(Line::styled("── approved ──", theme.header()));
        lines.push(Line::styled(
            format!(
                "persona {} · version {}",
                approved
                    .persona_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                clean(approved.version.as_deref().unwrap_or("?"))
            ),
            theme.ok(),
        ));
        if let Some(paths) = &approved.export_paths {
            lines.push(Line::from(format!(
                "exported to {}",
                clean(&paths.base_path)
            )));
            for (name, path) in &paths.files {
                lines.push(Line::from(format!("  {}: {}", clean(name), clean(path))));
            }
        }
    }
    if let Some(notice) = &state.notice {
        lines.push(Line::styled(clean(notice), theme.critical()));
    }
    if let Some(edit) = &state.edit {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "── edit the draft (Tab next · ←/→ op · Enter send · Esc cancel) ──",
            theme.header(),
        ));
        let values = [
            edit.draft.path.clone(),
            format!("◀ {} ▶", edit.draft.op),
            edit.draft.value_text.clone(),
        ];
        for (index, (label, value)) in EDIT_FIELDS.iter().zip(values).enumerate() {
            let focused = index == edit.focus;
            let cursor = if focused && index != 1 { "▏" } else { "" };
            lines.push(Line::styled(
                format!(
                    "{}{label:<8}{}{cursor}",
                    if focused { "▶ " } else { "  " },
                    clean(&value)
                ),
                if focused {
                    theme.accent()
                } else {
                    ratatui::style::Style::default()
                },
            ));
        }
        if let Some(error) = &edit.error {
            lines.push(Line::styled(
                format!("✖ {}: {}", error.field, clean(&error.message)),
                theme.critical(),
            ));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
