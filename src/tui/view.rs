//! Rendering: a pure function of `App` onto a frame. Screens and popups each have a module;
//! this one places them, draws the status line, and puts the terminal's cursor in the text
//! field that has focus (hidden when none has).

use ratatui::Frame;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, Connection, FOOTER_ROWS, MIN_HEIGHT, MIN_WIDTH, Overlay, Screen};
use super::data::WidgetData;
use super::popups;
use super::screens;
use super::text_field;
use super::widgets::{self, WidgetView, clean};

/// The widest the `/` filter's text gets in the status line (it scrolls sideways beyond).
const FILTER_WIDTH: u16 = 30;

pub fn view(app: &App, frame: &mut Frame) {
    draw(app, frame);
    // ASCII mode: what the screens drew from data (a persona's name in another script) or a
    // symbol not yet in `glyphs` becomes ASCII too, so the terminal gets nothing else.
    if app.options.theme.glyphs.ascii {
        super::ascii_fold::fold_buffer(frame.buffer_mut());
    }
}

/// The frame as the screens draw it (`view` without ASCII mode's last pass; tests check with
/// it that the screens' own symbols come from `theme.glyphs`).
pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "terminal too small: {}x{}, mpis-dash needs at least {MIN_WIDTH}x{MIN_HEIGHT}\nenlarge the window (or q to quit)",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .alignment(Alignment::Center),
            area,
        );
        return;
    }
    let body = Rect::new(
        area.x,
        area.y,
        area.width,
        area.height.saturating_sub(FOOTER_ROWS),
    );
    let status = Rect::new(area.x, area.y + body.height, area.width, 1);
    let hints = Rect::new(area.x, status.y + 1, area.width, 1);
    let screen_cursor = match &app.screen {
        Screen::Dashboard => {
            dashboard(app, frame, body);
            None
        }
        Screen::RunDetail(state) => {
            screens::run_detail::render(app, state, body, frame.buffer_mut());
            None
        }
        Screen::RedFlags(state) => {
            screens::red_flags::render(app, state, body, frame.buffer_mut());
            None
        }
        Screen::PublishForm(state) => {
            screens::publish_form::render(app, state, body, frame.buffer_mut())
        }
        Screen::GenesisForm(state) => {
            screens::genesis_form::render(app, state, body, frame.buffer_mut())
        }
        Screen::GenesisJob(state) => {
            screens::genesis_job::render(app, state, body, frame.buffer_mut())
        }
        Screen::LayoutEditor(state) => {
            screens::layout_editor::render(app, state, body, frame.buffer_mut())
        }
        Screen::FlagDrill(state) => {
            screens::flag_drill::render(app, state, body, frame.buffer_mut());
            None
        }
        Screen::Item(state) => {
            screens::item::render(app, state, body, frame.buffer_mut());
            None
        }
        Screen::ProjectForm(state) => {
            screens::project_form::render(app, state, body, frame.buffer_mut())
        }
        Screen::RunForm(state) => screens::run_form::render(app, state, body, frame.buffer_mut()),
        Screen::Jobs(state) => screens::jobs::render(app, state, body, frame.buffer_mut()),
        Screen::JobHistory(state) => {
            screens::job_history::render(app, state, body, frame.buffer_mut());
            None
        }
        Screen::JobForm(state) => screens::job_form::render(app, state, body, frame.buffer_mut()),
        Screen::Ask(state) => screens::ask::render(app, state, body, frame.buffer_mut()),
    };
    let filter_cursor = status_line(app, frame, status);
    frame.render_widget(
        Paragraph::new(super::key_hints::line(app, usize::from(hints.width))),
        hints,
    );
    // Keys go to the overlay first, then to the filter, then to the screen: so does the cursor.
    let cursor = match &app.overlay {
        Some(Overlay::Help { scroll }) => {
            popups::help::render(app, *scroll, area, frame.buffer_mut());
            None
        }
        Some(Overlay::Palette(state)) => {
            popups::palette::render(app, state, area, frame.buffer_mut())
        }
        Some(Overlay::Confirm(state)) => {
            popups::confirm::render(&app.options.theme, state, area, frame.buffer_mut());
            None
        }
        Some(Overlay::PickJob(state)) => {
            popups::pick_job::render(
                &app.options.theme,
                app.times(),
                state,
                area,
                frame.buffer_mut(),
            );
            None
        }
        Some(Overlay::Messages) => {
            popups::messages::render(app, area, frame.buffer_mut());
            None
        }
        Some(Overlay::Copied { label, text }) => {
            popups::copied::render(&app.options.theme, label, text, area, frame.buffer_mut());
            None
        }
        Some(Overlay::OutboxRecord(record)) => {
            popups::outbox_record::render(app, record, area, frame.buffer_mut());
            None
        }
        Some(Overlay::Silence(state)) => {
            popups::silence::render(&app.options.theme, state, area, frame.buffer_mut());
            None
        }
        None if app.filter_editing => filter_cursor,
        None => screen_cursor,
    };
    // No cursor set: ratatui hides it.
    if let Some(position) = cursor {
        frame.set_cursor_position(position);
    }
}

fn dashboard(app: &App, frame: &mut Frame, area: Rect) {
    if app.slots.is_empty() {
        let text = if app.layouts.loading {
            format!("loading layout{}", app.options.theme.glyphs.ellipsis)
        } else {
            "this layout has no widgets: e to edit it".to_string()
        };
        frame.render_widget(Paragraph::new(text).alignment(Alignment::Center), area);
        return;
    }
    let stale_after = app.stale_after_secs();
    for (index, (slot, rect)) in app.slots.iter().zip(app.slot_rects_in(area)).enumerate() {
        let rect = rect.intersection(area);
        let view = WidgetView {
            kind: &slot.kind,
            subtitle: subtitle(slot, &app.options.theme.glyphs, app.time_zone),
            state: slot
                .data
                .state(app.now.instant, stale_after, WidgetData::is_empty),
            data: slot.data.value.as_ref(),
            error: slot.data.error.as_deref(),
            age_secs: slot.data.age_secs(app.now.instant),
            loaded_at: slot.data.loaded_at.map(|(wall, _)| wall),
            focused: index == app.focus,
            selected: slot.selected,
            filter: app.filter_for(index),
            sort: slot.filter.sort,
            theme: &app.options.theme,
            new_flags: &app.new_flags,
        };
        widgets::render(&view, rect, frame.buffer_mut());
    }
}

/// The filter in effect, shown after the widget's title, and a sort the header cannot show.
fn subtitle(
    slot: &super::app::Slot,
    glyphs: &super::glyphs::Glyphs,
    zone: crate::time_display::DisplayZone,
) -> String {
    use super::data::WidgetKind::*;
    let mut parts = Vec::new();
    if matches!(slot.kind, EngagementChart | ChannelPerformance) {
        parts.push(format!("{}d", slot.filter.days));
    }
    // The chart's days are UTC calendar days (the daily rollups'): said when times are shown
    // in another zone.
    if slot.kind == EngagementChart && zone != crate::time_display::DisplayZone::Utc {
        parts.push("UTC days".to_string());
    }
    // MPIS has no recommendations: the analyst's actions stand in, and the title says so.
    if let Some(WidgetData::AnalystSuggestions(data)) = &slot.data.value {
        parts.push(format!("from the analyst · {}d", data.days));
    }
    if let Some(channel) = &slot.filter.channel {
        parts.push(channel.clone());
    }
    if let Some(status) = &slot.filter.status {
        parts.push(status.clone());
    }
    if slot.filter.persona_id.is_some() {
        parts.push("one persona".to_string());
    }
    if let Some(order) = slot.filter.sort {
        let mark = if order.descending {
            glyphs.sort_descending
        } else {
            glyphs.sort_ascending
        };
        match slot.kind {
            // The flags have no header row: the order goes on the title.
            RedFlags => parts.push(format!("{}{mark}", order.column)),
            // Its pages come from the database newest first; the sort orders those loaded.
            Runs => parts.push("sorted: loaded rows".to_string()),
            _ => {}
        }
    }
    parts.join(" · ")
}

/// Connection, last refresh, pause, where the operator is, the `/` filter, the last message.
/// Returns where the filter's cursor is while it is edited.
/// Columns a message keeps before the place gives up its room to it.
const MESSAGE_ROOM: usize = 30;

fn status_line(app: &App, frame: &mut Frame, area: Rect) -> Option<Position> {
    let theme = &app.options.theme;
    let glyphs = &theme.glyphs;
    let sep = format!(" {} ", glyphs.separator);
    let mut spans: Vec<Span> = super::environment_badge::span(app).into_iter().collect();
    match &app.connection {
        Connection::Ok => spans.push(Span::styled(format!("{} db ok", glyphs.ok), theme.ok())),
        Connection::Connecting => spans.push(Span::styled(
            format!("{} connecting", glyphs.pending),
            theme.muted(),
        )),
        Connection::Unreachable(reason) => spans.push(Span::styled(
            format!(
                "{} database unreachable, retrying: {}",
                glyphs.failed,
                clean(reason)
            ),
            theme.critical(),
        )),
    }
    // "refreshed" goes right after the connection (after the badge, if any).
    let refreshed_at = spans.len();
    // What must show (the connection, pause, read-only, the database notices, an open critical
    // flag) comes first; what is left is shared so that the longer forms go first: "refreshed"
    // shrinks to the time, the place to the screen's name, then the message is shortened.
    if app.paused {
        spans.push(Span::styled(format!("{sep}PAUSED"), theme.warning()));
    }
    if app.options.read_only {
        spans.push(Span::styled(format!("{sep}READ-ONLY"), theme.warning()));
    }
    for notice in &app.options.notices {
        spans.push(Span::styled(
            format!("{sep}{} {}", glyphs.warning, clean(notice)),
            theme.warning(),
        ));
    }
    if let Some(hint) = super::flag_hint::status_hint(app) {
        spans.push(hint);
    }
    let refreshed = app
        .last_refresh
        .map(|t| app.times().format(t, crate::time_display::CLOCK));
    let refreshed_long = format!("{sep}refreshed {}", refreshed.as_deref().unwrap_or("never"));
    let refreshed_short = match &refreshed {
        Some(time) => format!("{sep}{time}"),
        None => format!("{sep}not refreshed"),
    };
    let (place_long, place_short) = super::status_line::places(app);
    let filter_width = if app.filter_editing || !app.filter.is_empty() {
        4 + crate::text::columns(&app.filter).clamp(4, usize::from(FILTER_WIDTH))
    } else {
        0
    };
    let message_width = app
        .message
        .as_ref()
        .map_or(0, |m| 3 + crate::text::columns(&clean(&m.text)));
    let fixed = Line::from(spans.clone()).width() + filter_width + message_width;
    let fits = |refreshed: &str, place: &Option<String>| {
        fixed + crate::text::columns(refreshed) + place.as_deref().map_or(0, crate::text::columns)
            <= usize::from(area.width)
    };
    let (refreshed, place) = if fits(&refreshed_long, &place_long) {
        (refreshed_long, place_long)
    } else if fits(&refreshed_short, &place_long) {
        (refreshed_short, place_long)
    } else if Line::from(spans.clone()).width() + crate::text::columns(&refreshed_short)
        <= usize::from(area.width)
    {
        (refreshed_short, place_short)
    } else {
        // A long connection error: the time would only be cut off at the edge.
        (String::new(), place_short)
    };
    // A message that would show no more than its first words gets the place's room too (the
    // place is on the screen's own title as well).
    let room_for_message = |place: usize| {
        usize::from(area.width)
            .saturating_sub(fixed - message_width + crate::text::columns(&refreshed) + place)
    };
    let wanted = message_width.min(MESSAGE_ROOM);
    let place = place.filter(|place| {
        message_width == 0
            || room_for_message(crate::text::columns(place)) >= wanted
            || room_for_message(0) < wanted
    });
    spans.insert(refreshed_at, Span::raw(refreshed));
    if let Some(place) = place {
        spans.push(Span::raw(place));
    }
    let mut cursor = None;
    if app.filter_editing || !app.filter.is_empty() {
        let before = format!("{sep}/");
        let used = Line::from(spans.clone()).width() + Span::raw(before.as_str()).width();
        let room = area
            .width
            .saturating_sub(u16::try_from(used).unwrap_or(u16::MAX))
            .min(FILTER_WIDTH);
        let editing = app.filter_editing.then_some(app.filter_cursor);
        let shown = text_field::shown(&app.filter, editing, room);
        cursor = shown.cursor.map(|column| Position {
            x: area.x + u16::try_from(used).unwrap_or(u16::MAX) + column,
            y: area.y,
        });
        spans.push(Span::styled(
            format!("{before}{}", shown.text),
            theme.accent(),
        ));
    }
    let used = Line::from(spans.clone()).width();
    if let Some(message) =
        super::status_line::message_span(app, usize::from(area.width).saturating_sub(used))
    {
        spans.push(message);
    }
    // Where the data comes from (database, MPIS or the sandbox), as room allows (the keys are
    // on the hints line below).
    let source = Span::styled(
        format!("{sep}{}", clean(&app.options.source)),
        theme.muted(),
    );
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    if used + source.content.chars().count() < usize::from(area.width) {
        spans.push(source);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    cursor.filter(|position| position.x < area.x + area.width)
}
