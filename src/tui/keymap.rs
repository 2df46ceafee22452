//! Keys -> actions, with the defaults users expect (arrows and hjkl, Tab, Enter, Esc, ?, :, /)
//! and overrides from the config file (`[keys]`, e.g. `refresh = "f5"`).

use std::collections::HashMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Palette,
    Filter,
    Refresh,
    TogglePause,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Enter,
    Back,
    NextLayout,
    EditLayout,
    Acknowledge,
    Resolve,
    ToggleResolved,
    Copy,
    CycleTimeRange,
    AddWidget,
    RemoveWidget,
    Reset,
    /// Home / g: the first row.
    Top,
    /// End / G: the last row (runs: fetching older pages).
    Bottom,
    /// The session's messages whole (`m`).
    Messages,
    /// Open the red flags list (on the selected flag).
    Flags,
    /// Ctrl-D / Ctrl-U: half of the list's visible rows down / up.
    HalfPageDown,
    HalfPageUp,
    /// `s`: the next sort column of a sortable list; `S`: the other direction.
    Sort,
    SortReverse,
    /// Times in the configured zone or UTC (`z`).
    TimeZone,
    /// Mouse capture on / off, so the terminal's own selection works (`M`).
    Mouse,
}

impl Action {
    /// Names usable in the config file.
    pub fn from_name(name: &str) -> Option<Action> {
        use Action::*;
        Some(match name {
            "quit" => Quit,
            "help" => Help,
            "palette" => Palette,
            "filter" => Filter,
            "refresh" => Refresh,
            "pause" => TogglePause,
            "focus_next" => FocusNext,
            "focus_prev" => FocusPrev,
            "up" => Up,
            "down" => Down,
            "left" => Left,
            "right" => Right,
            "page_up" => PageUp,
            "page_down" => PageDown,
            "open" => Enter,
            "back" => Back,
            "next_layout" => NextLayout,
            "edit_layout" => EditLayout,
            "acknowledge" => Acknowledge,
            "resolve" => Resolve,
            "toggle_resolved" => ToggleResolved,
            "copy" => Copy,
            "time_range" => CycleTimeRange,
            "top" => Top,
            "bottom" => Bottom,
            "messages" => Messages,
            "flags" => Flags,
            "half_page_down" => HalfPageDown,
            "half_page_up" => HalfPageUp,
            "sort" => Sort,
            "sort_reverse" => SortReverse,
            "time_zone" => TimeZone,
            "mouse" => Mouse,
            _ => return None,
        })
    }
}

/// A key as written in the config: "q", "ctrl-c", "f5", "enter", "shift-tab", "pagedown".
pub fn parse_key(text: &str) -> Option<KeyEvent> {
    let lower = text.trim().to_lowercase();
    let (modifiers, name) = if let Some(rest) = lower.strip_prefix("ctrl-") {
        (KeyModifiers::CONTROL, rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("alt-") {
        (KeyModifiers::ALT, rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("shift-") {
        (KeyModifiers::SHIFT, rest.to_string())
    } else {
        (KeyModifiers::NONE, lower.clone())
    };
    let code = match name.as_str() {
        "enter" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" if modifiers == KeyModifiers::SHIFT => {
            return Some(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        }
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        f if f.starts_with('f') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
        _ => {
            // Single characters keep their case from the original text ("L" vs "l").
            let original = text.trim();
            let c = original.rsplit('-').next()?.chars().collect::<Vec<_>>();
            if c.len() != 1 {
                return None;
            }
            KeyCode::Char(c[0])
        }
    };
    Some(KeyEvent::new(code, modifiers))
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<(KeyCode, KeyModifiers), Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        use Action::*;
        use KeyCode::*;
        let none = KeyModifiers::NONE;
        let shift = KeyModifiers::SHIFT;
        let mut bindings = HashMap::new();
        let mut bind = |code, modifiers, action| {
            bindings.insert((code, modifiers), action);
        };
        bind(Char('q'), none, Quit);
        bind(Char('c'), KeyModifiers::CONTROL, Quit);
        bind(Char('?'), none, Help);
        bind(Char('?'), shift, Help);
        bind(Char(':'), none, Palette);
        bind(Char(':'), shift, Palette);
        bind(Char('/'), none, Filter);
        bind(Char('r'), none, Refresh);
        bind(Char('p'), none, TogglePause);
        bind(Tab, none, FocusNext);
        bind(BackTab, shift, FocusPrev);
        bind(BackTab, none, FocusPrev);
        for (code, action) in [
            (KeyCode::Up, Action::Up),
            (Char('k'), Action::Up),
            (KeyCode::Down, Action::Down),
            (Char('j'), Action::Down),
            (KeyCode::Left, Action::Left),
            (Char('h'), Action::Left),
            (KeyCode::Right, Action::Right),
            (Char('l'), Action::Right),
        ] {
            bind(code, none, action);
        }
        bind(KeyCode::PageUp, none, Action::PageUp);
        bind(KeyCode::PageDown, none, Action::PageDown);
        bind(KeyCode::Enter, none, Action::Enter);
        bind(Esc, none, Back);
        bind(Char('L'), shift, NextLayout);
        bind(Char('L'), none, NextLayout);
        bind(Char('e'), none, EditLayout);
        bind(Char('a'), none, Acknowledge);
        bind(Char('x'), none, Resolve);
        bind(Char('t'), none, ToggleResolved);
        bind(Char('y'), none, Copy);
        bind(Char('T'), shift, CycleTimeRange);
        bind(Char('T'), none, CycleTimeRange);
        bind(Char('+'), none, AddWidget);
        bind(Char('d'), none, RemoveWidget);
        // `s` sorts. The layout editor reads its own letters before the keymap (as a form
        // does: `s` saves there, `d` removes, `+` adds), so one key means one action in each
        // context and `[keys] sort` moves sorting without touching the editor.
        bind(Char('s'), none, Sort);
        bind(Char('S'), shift, SortReverse);
        bind(Char('S'), none, SortReverse);
        bind(Char('d'), KeyModifiers::CONTROL, HalfPageDown);
        bind(Char('u'), KeyModifiers::CONTROL, HalfPageUp);
        bind(Char('R'), shift, Reset);
        bind(Char('R'), none, Reset);
        bind(KeyCode::Home, none, Top);
        bind(Char('g'), none, Top);
        bind(KeyCode::End, none, Bottom);
        bind(Char('G'), shift, Bottom);
        bind(Char('G'), none, Bottom);
        bind(Char('m'), none, Messages);
        bind(Char('F'), shift, Flags);
        bind(Char('F'), none, Flags);
        bind(Char('z'), none, TimeZone);
        bind(Char('M'), shift, Mouse);
        bind(Char('M'), none, Mouse);
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `overrides` (action name -> key) applied; unknown names are errors.
    pub fn with_overrides(overrides: &HashMap<String, String>) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        for (name, key) in overrides {
            let action =
                Action::from_name(name).ok_or_else(|| format!("keys.{name}: unknown action"))?;
            let event =
                parse_key(key).ok_or_else(|| format!("keys.{name}: cannot read key {key:?}"))?;
            keymap.bindings.retain(|_, a| *a != action);
            keymap
                .bindings
                .insert((event.code, event.modifiers), action);
        }
        Ok(keymap)
    }

    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        let modifiers =
            key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        self.bindings
            .get(&(key.code, modifiers))
            .or_else(|| {
                self.bindings
                    .get(&(key.code, modifiers - KeyModifiers::SHIFT))
            })
            .copied()
    }

    /// An Escape and the key after it, read together (a slow SSH link delivers both bytes in one
    /// read, and the terminal parser then reports Alt+key): the two keys the operator pressed.
    /// An Alt+key the keymap binds (`alt-x` in the config) stays one key. The event loop asks
    /// `App::unfold_key`, which also keeps the Alt+keys a focused text field uses (Alt-B/Alt-F).
    pub fn unfold_alt(&self, key: KeyEvent) -> Vec<KeyEvent> {
        let unbound_alt = key.modifiers == KeyModifiers::ALT
            && key.kind == KeyEventKind::Press
            && self.action(&key).is_none();
        if !unbound_alt {
            return vec![key];
        }
        vec![
            KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            KeyEvent::new(key.code, KeyModifiers::NONE),
        ]
    }

    /// The shortest of an action's keys, for the hints line ("j" for Down/j; "F5" when
    /// `[keys] refresh = "f5"`).
    pub fn short(&self, action: Action) -> String {
        let described = self.describe(action);
        described
            .split('/')
            .filter(|k| !k.is_empty())
            .min_by_key(|k| (k.chars().count(), k.to_string()))
            .map_or(described.clone(), str::to_string)
    }

    /// The key shown for an action in help ("q", "Ctrl-c", "Tab").
    pub fn describe(&self, action: Action) -> String {
        let mut keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|((code, modifiers), _)| {
                let name = match code {
                    KeyCode::Char(' ') => "Space".to_string(),
                    KeyCode::Char(c) => c.to_string(),
                    KeyCode::F(n) => format!("F{n}"),
                    KeyCode::BackTab => "Shift-Tab".to_string(),
                    other => format!("{other:?}"),
                };
                if modifiers.contains(KeyModifiers::CONTROL) {
                    format!("Ctrl-{name}")
                } else {
                    name
                }
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escape_read_with_the_next_key_is_both_keys_unless_alt_is_bound() {
        let keymap = Keymap::default();
        let alt_colon = KeyEvent::new(KeyCode::Char(':'), KeyModifiers::ALT);
        assert_eq!(
            keymap.unfold_alt(alt_colon),
            vec![
                KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
                KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)
            ]
        );
        let plain = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(keymap.unfold_alt(plain), vec![plain]);
        let ctrl_alt = KeyEvent::new(
            KeyCode::Char('x'),
            KeyModifiers::ALT | KeyModifiers::CONTROL,
        );
        assert_eq!(keymap.unfold_alt(ctrl_alt), vec![ctrl_alt]);
        let overrides = HashMap::from([("refresh".to_string(), "alt-r".to_string())]);
        let bound = Keymap::with_overrides(&overrides).unwrap();
        let alt_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::ALT);
        assert_eq!(bound.unfold_alt(alt_r), vec![alt_r]);
    }

    #[test]
    fn the_short_key_is_the_shortest_bound_and_follows_overrides() {
        let keymap = Keymap::default();
        assert_eq!(keymap.short(Action::Down), "j");
        assert_eq!(keymap.short(Action::Filter), "/");
        assert_eq!(keymap.short(Action::HalfPageDown), "Ctrl-d");
        assert_eq!(keymap.short(Action::SortReverse), "S");
        let overrides = HashMap::from([("refresh".to_string(), "f5".to_string())]);
        let keymap = Keymap::with_overrides(&overrides).unwrap();
        assert_eq!(keymap.short(Action::Refresh), "F5");
    }

    #[test]
    fn s_sorts_outside_the_layout_editor_and_ctrl_d_u_move_half_a_page() {
        let keymap = Keymap::default();
        let key = |c, m| KeyEvent::new(KeyCode::Char(c), m);
        assert_eq!(
            keymap.action(&key('s', KeyModifiers::NONE)),
            Some(Action::Sort)
        );
        assert_eq!(
            keymap.action(&key('S', KeyModifiers::SHIFT)),
            Some(Action::SortReverse)
        );
        assert_eq!(
            keymap.action(&key('d', KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            keymap.action(&key('u', KeyModifiers::CONTROL)),
            Some(Action::HalfPageUp)
        );
        // `d` alone is still the layout editor's remove (its own keys), not half a page.
        assert_ne!(
            keymap.action(&key('d', KeyModifiers::NONE)),
            Some(Action::HalfPageDown)
        );
        for name in ["sort", "sort_reverse", "half_page_down", "half_page_up"] {
            assert!(Action::from_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn defaults_cover_arrows_and_vi_keys() {
        let keymap = Keymap::default();
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(keymap.action(&key('j')), Some(Action::Down));
        assert_eq!(
            keymap.action(&KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            keymap.action(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.action(&KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
    }

    #[test]
    fn z_and_shift_m_toggle_the_zone_and_the_mouse_and_take_overrides() {
        let keymap = Keymap::default();
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(keymap.action(&key('z')), Some(Action::TimeZone));
        assert_eq!(
            keymap.action(&KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT)),
            Some(Action::Mouse)
        );
        assert_eq!(keymap.action(&key('M')), Some(Action::Mouse));
        assert_eq!(Action::from_name("time_zone"), Some(Action::TimeZone));
        assert_eq!(Action::from_name("mouse"), Some(Action::Mouse));
    }

    #[test]
    fn overrides_replace_the_default_key_and_bad_ones_name_the_action() {
        let overrides = HashMap::from([("refresh".to_string(), "f5".to_string())]);
        let keymap = Keymap::with_overrides(&overrides).unwrap();
        assert_eq!(
            keymap.action(&KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE)),
            Some(Action::Refresh)
        );
        assert_eq!(
            keymap.action(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)),
            None
        );
        let bad = HashMap::from([("refrsh".to_string(), "f5".to_string())]);
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .contains("keys.refrsh")
        );
    }
}
