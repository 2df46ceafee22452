//! `eidos-recommendations`: per persona (newest computation first), the latest recommendation
//! items, numbered.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{WidgetView, age, clean, filter_note, fit, matches_filter};
use crate::analyst::Suggestion;
use crate::text::wrap;
use crate::tui::data::{AnalystSuggestions, Recommendation};

/// The personas the `/` filter lets through (by name, status or any item).
pub fn filtered<'a>(data: &'a [Recommendation], filter: Option<&str>) -> Vec<&'a Recommendation> {
    data.iter()
        .filter(|r| {
            let mut fields: Vec<&str> = vec![&r.status];
            fields.extend(r.items.iter().map(String::as_str));
            matches_filter(filter, &fields)
        })
        .collect()
}

#[allow(clippy::ptr_arg)] // the signature every widget body shares
pub fn render(data: &Vec<Recommendation>, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    if area.is_empty() {
        return;
    }
    let theme = view.theme;
    let width = usize::from(area.width);
    let shown = filtered(data, view.filter);
    let mut lines: Vec<Line> = Vec::new();
    for rec in &shown {
        // The worker labels each entry "persona · status".
        let label = clean(&rec.status);
        let (name, status) = match label.rsplit_once(" · ") {
            Some((name, status)) => (name.to_string(), status.to_string()),
            None => (label.clone(), String::new()),
        };
        let when = format!(" {}", age(rec.computed_at, view.loaded_at));
        let status_text = if status.is_empty() {
            String::new()
        } else {
            format!(" · {status}")
        };
        let room = width.saturating_sub(when.chars().count() + status_text.chars().count());
        let name = fit(&name, room.max(4));
        let pad = width.saturating_sub(
            name.chars().count() + status_text.chars().count() + when.chars().count(),
        );
        lines.push(Line::from(vec![
            Span::styled(name, theme.header()),
            Span::styled(status_text, theme.status(&status)),
            Span::raw(" ".repeat(pad)),
            Span::styled(when, theme.muted()),
        ]));
        if rec.items.is_empty() {
            lines.push(Line::styled("   no items", theme.muted()));
        }
        for (n, item) in rec.items.iter().enumerate() {
            let number = format!("{:>2}. ", n + 1);
            let text = fit(&clean(item), width.saturating_sub(number.chars().count()));
            lines.push(Line::from(vec![
                Span::styled(number, theme.accent()),
                Span::raw(text),
            ]));
        }
    }
    if shown.is_empty() {
        let text = format!(
            "nothing matches /{}",
            clean(view.filter.unwrap_or_default().trim())
        );
        lines.push(Line::styled(text, theme.muted()));
    }
    draw(lines, area, buf, view, shown.len(), data.len());
}

/// MPIS has no recommendations: the dashboard's analyst's top actions, numbered, each with
/// the confidence of the answer behind it (the title says "from the analyst").
pub fn render_analyst(data: &AnalystSuggestions, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    if area.is_empty() {
        return;
    }
    let theme = view.theme;
    let width = usize::from(area.width);
    let who = if data.persona_id.is_some() {
        "this persona"
    } else {
        "any persona"
    };
    let mut lines: Vec<Line> = wrap(
        &format!(
            "MPIS has no recommendations for {who}; the dashboard's analyst suggests ({}d):",
            data.days
        ),
        width,
    )
    .into_iter()
    .map(|line| Line::styled(line, theme.muted()))
    .collect();
    let shown: Vec<&Suggestion> = data
        .actions
        .iter()
        .filter(|s| matches_filter(view.filter, &[&s.action]))
        .collect();
    for (n, suggestion) in shown.iter().enumerate() {
        let number = format!("{:>2}. ", n + 1);
        let text = format!(
            "{} (confidence {:.2})",
            clean(&suggestion.action),
            suggestion.confidence
        );
        for (i, part) in wrap(&text, width.saturating_sub(4)).into_iter().enumerate() {
            let lead = if i == 0 {
                Span::styled(number.clone(), theme.accent())
            } else {
                Span::raw("    ")
            };
            lines.push(Line::from(vec![lead, Span::raw(part)]));
        }
    }
    if shown.is_empty() {
        let text = format!(
            "nothing matches /{}",
            clean(view.filter.unwrap_or_default().trim())
        );
        lines.push(Line::styled(text, theme.muted()));
    }
    draw(lines, area, buf, view, shown.len(), data.actions.len());
}

/// The lines from the top of `area` (the `/` filter's note on the last row); what does not
/// fit is counted on the last row shown.
fn draw(
    lines: Vec<Line>,
    area: Rect,
    buf: &mut Buffer,
    view: &WidgetView,
    shown: usize,
    total: usize,
) {
    let theme = view.theme;
    let mut rows = area;
    if let Some(note) = filter_note(view, shown, total)
        && rows.height >= 3
    {
        rows.height -= 1;
        Line::from(note).render(
            Rect {
                y: rows.bottom(),
                height: 1,
                ..rows
            },
            buf,
        );
    }
    let height = usize::from(rows.height);
    let hidden = lines.len().saturating_sub(height);
    let keep = if hidden > 0 {
        height.saturating_sub(1)
    } else {
        lines.len()
    };
    for (i, line) in lines.into_iter().take(keep).enumerate() {
        line.render(
            Rect {
                y: rows.y + i as u16,
                height: 1,
                ..rows
            },
            buf,
        );
    }
    if hidden > 0 && height > 0 {
        let more = format!("{} {} more lines", theme.glyphs.ellipsis, hidden + 1);
        let y = rows.y + keep as u16;
        Line::styled(more, theme.muted()).render(
            Rect {
                y,
                height: 1,
                ..rows
            },
            buf,
        );
    }
}
