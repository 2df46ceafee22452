//! The event loop: terminal set-up and restore, input, ticks, worker events, drawing.
//! The terminal is restored on quit, on error, on panic (ratatui's hook) and on SIGTERM/SIGHUP.

use std::io::{self, Write};
use std::time::Duration;

use crossterm::clipboard::CopyToClipboard;
use futures_util::StreamExt;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event as TermEvent, EventStream,
};
use ratatui::crossterm::execute;
use ratatui::{DefaultTerminal, Terminal};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::app::{App, Event};
use super::clock::Now;
use super::view::view;
use super::worker::{Command, DataEvent};

const TICK: Duration = Duration::from_millis(250);

/// Runs the dashboard until the user quits or a signal arrives; always restores the terminal.
pub async fn run(
    mut app: App,
    commands: UnboundedSender<Command>,
    events: UnboundedReceiver<DataEvent>,
) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    // ratatui's hook restores raw mode and the main screen on panic; mouse reporting and
    // bracketed paste must be switched off too, or the shell would receive mouse escape codes
    // and paste markers afterwards.
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore_input_modes(&mut io::stdout());
        ratatui_hook(info);
    }));
    // Bracketed paste: a pasted block arrives as one text event, never as keys. The mouse is
    // captured unless the config says `mouse = false` (the terminal's own selection).
    let _ = execute!(io::stdout(), EnableBracketedPaste);
    if app.mouse_captured {
        let _ = execute!(io::stdout(), EnableMouseCapture);
    }
    let result = event_loop(&mut terminal, &mut app, commands, events).await;
    // A terminal that hung up takes no restore; nothing may panic writing to it. Capture is
    // switched off whatever its state (`M` may have changed it).
    crate::hangup::detach_from_hung_up_terminal();
    let _ = restore_input_modes(&mut io::stdout());
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    commands: UnboundedSender<Command>,
    mut events: UnboundedReceiver<DataEvent>,
) -> io::Result<()> {
    let size = terminal.size()?;
    app.update(Event::Resize(size.width, size.height), Now::read());
    send(&commands, app.init());
    let mut input = EventStream::new();
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    // Alerts' desktop notifications are wrapped for tmux's passthrough inside tmux.
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    loop {
        draw_if_dirty(terminal, app)?;
        let event = tokio::select! {
            Some(input) = input.next() => match input? {
                TermEvent::Key(key) => {
                    let mut keys = app.unfold_key(key);
                    let last = keys.pop().map_or(Event::Key(key), Event::Key);
                    let now = Now::read();
                    for key in keys {
                        send(&commands, app.update(Event::Key(key), now));
                    }
                    last
                }
                TermEvent::Paste(text) => Event::Paste(text),
                TermEvent::Mouse(mouse) => Event::Mouse(mouse),
                TermEvent::Resize(w, h) => Event::Resize(w, h),
                _ => continue,
            },
            Some(data) = events.recv() => Event::Data(data),
            _ = ticks.tick() => Event::Tick,
            _ = term.recv() => break,
            _ = hup.recv() => break,
        };
        // Every event is stamped here, when the loop receives it: `update` reads no clock.
        send(&commands, app.update(event, Now::read()));
        write_effects(app, &mut io::stdout(), in_tmux)?;
        if app.should_quit {
            break;
        }
    }
    Ok(())
}

/// Draws a frame when the state changed; ratatui then writes only the cells that differ.
/// A `:dump` asked for is written from the frame just drawn (the palette closed by then).
pub fn draw_if_dirty<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
) -> Result<(), B::Error> {
    if app.dirty {
        app.dirty = false;
        let frame = terminal.draw(|frame| view(app, frame))?;
        if let Some(dump) = app.pending_dump.take() {
            let text = super::screen_dump::text(frame.buffer);
            let result = super::screen_dump::write(&dump.path, &text, dump.create_folder);
            app.dump_written(result);
        }
    }
    Ok(())
}

/// What `update` left for the terminal, written to `out` and cleared: text to copy (OSC 52),
/// an alert (bell, desktop notification, as configured), mouse capture switched on or off.
pub fn write_effects(app: &mut App, out: &mut impl Write, in_tmux: bool) -> io::Result<()> {
    if let Some(text) = app.clipboard.take() {
        copy_with_osc52(out, &text)?;
    }
    if let Some(alert) = app.alert.take() {
        let bytes = super::alert_sequence::bytes(&alert, &app.options.alerts, in_tmux);
        if !bytes.is_empty() {
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    match app.mouse_change.take() {
        Some(true) => execute!(out, EnableMouseCapture)?,
        Some(false) => execute!(out, DisableMouseCapture)?,
        None => {}
    }
    Ok(())
}

fn send(channel: &UnboundedSender<Command>, commands: Vec<Command>) {
    for command in commands {
        // The worker lives as long as the loop; a closed channel only happens on shutdown.
        let _ = channel.send(command);
    }
}

/// Bracketed paste and mouse capture off, whatever their state (`M` may have turned capture
/// off already; turning it off twice is harmless): on quit, on a signal and on panic.
pub fn restore_input_modes(out: &mut impl Write) -> io::Result<()> {
    execute!(out, DisableBracketedPaste, DisableMouseCapture)
}

/// Puts text on the clipboard of the operator's terminal (OSC 52, crossterm's clipboard
/// command), which works over SSH.
fn copy_with_osc52(out: &mut impl Write, text: &str) -> io::Result<()> {
    execute!(out, CopyToClipboard::to_clipboard_from(text))
}

#[cfg(test)]
mod tests {
    use super::copy_with_osc52;

    #[test]
    fn a_copy_is_one_osc_52_sequence_with_the_text_in_base64() {
        let mut out = Vec::new();
        copy_with_osc52(&mut out, "run 7f3a").unwrap();
        assert_eq!(out, b"\x1b]52;c;cnVuIDdmM2E=\x1b\\");
    }

    #[test]
    fn restoring_always_turns_mouse_capture_and_bracketed_paste_off() {
        let mut out = Vec::new();
        super::restore_input_modes(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\x1b[?2004l"),
            "bracketed paste off: {text:?}"
        );
        assert!(
            text.contains("\x1b[?1000l"),
            "mouse reporting off: {text:?}"
        );
        assert!(text.contains("\x1b[?1006l"), "SGR mouse mode off: {text:?}");
    }
}
