//! Two field kinds the `:project` and `:run` forms share: a picker (a text field that filters a
//! list as typed; Up/Down highlight, Enter takes, like the publish form's draft picker) and a
//! channel list (names typed with Tab completion, or toggled from the known ones with
//! Up/Down and Space).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::channel::Channel;
use crate::domain::project_form::channel_names;
use crate::store::personas::PersonaSummary;
use crate::tui::text_field::{self, Cursor};

/// The next index of a list of `count` after `current` moved by `delta` (wrapping; the first or
/// last when nothing was chosen); `None` for an empty list.
pub fn step(current: Option<usize>, delta: i64, count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let count = count as i64;
    let next = match current {
        Some(i) => (i as i64 + delta).rem_euclid(count),
        None if delta > 0 => 0,
        None => count - 1,
    };
    Some(next as usize)
}

/// A text field filtering a list; what is taken is an index into the caller's list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Picker {
    pub text: String,
    pub cursor: Cursor,
    /// What was last typed (not a pick): the list shows the entries containing it.
    pub filter: String,
    /// The entry highlighted / taken (an index into the caller's list).
    pub picked: Option<usize>,
}

impl Picker {
    /// The entries shown (indices): those whose `haystacks` entry contains the filter (any
    /// case); all for nothing typed.
    pub fn visible(&self, haystacks: &[String]) -> Vec<usize> {
        let filter = self.filter.trim().to_lowercase();
        haystacks
            .iter()
            .enumerate()
            .filter(|(_, h)| filter.is_empty() || h.to_lowercase().contains(&filter))
            .map(|(i, _)| i)
            .collect()
    }

    /// A text edit: the filter follows it, and a pick no longer shown is dropped. Returns
    /// whether the value changed.
    pub fn edit(&mut self, key: &KeyEvent, haystacks: &[String]) -> bool {
        let changed = text_field::edit(&mut self.text, &mut self.cursor, key).changed();
        if changed {
            self.typed(haystacks);
        }
        changed
    }

    /// Pasted text (one line).
    pub fn paste(&mut self, text: &str, haystacks: &[String]) {
        if text_field::insert(
            &mut self.text,
            &mut self.cursor,
            &text_field::one_line(text),
        )
        .changed()
        {
            self.typed(haystacks);
        }
    }

    fn typed(&mut self, haystacks: &[String]) {
        self.filter = self.text.trim().to_string();
        let visible = self.visible(haystacks);
        // Typing again means choosing again, unless the text still names the pick.
        self.picked = match visible.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
    }

    /// Up/Down: the next/previous shown entry; its name fills the field (the filter stays).
    pub fn step(&mut self, delta: i64, haystacks: &[String], names: &[String]) {
        let visible = self.visible(haystacks);
        let position = self
            .picked
            .and_then(|p| visible.iter().position(|v| *v == p));
        if let Some(next) = step(position, delta, visible.len()) {
            self.take(visible[next], names);
        }
    }

    /// Enter: the highlighted (else the first) shown entry; returns it.
    pub fn take_shown(&mut self, haystacks: &[String], names: &[String]) -> Option<usize> {
        let visible = self.visible(haystacks);
        let take = self
            .picked
            .filter(|p| visible.contains(p))
            .or(visible.first().copied())?;
        self.take(take, names);
        Some(take)
    }

    /// Takes entry `index`: its name fills the field.
    pub fn take(&mut self, index: usize, names: &[String]) {
        if let Some(name) = names.get(index) {
            text_field::set(&mut self.text, &mut self.cursor, name);
            self.picked = Some(index);
        }
    }
}

/// The channel names a channel list offers: the known four, then the configured ones.
pub fn channel_options(configured: &[String]) -> Vec<String> {
    let mut options: Vec<String> = Channel::KNOWN
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    for name in configured {
        let name = name.trim().to_lowercase();
        if !name.is_empty() && !options.contains(&name) {
            options.push(name);
        }
    }
    options
}

/// A list of channels typed as text ("telegram, instagram"); Up/Down highlight an offered
/// channel and Space toggles it; Tab completes the name being typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChannelField {
    pub text: String,
    pub cursor: Cursor,
    /// The offered channel highlighted with Up/Down (an index into `channel_options`).
    pub highlight: Option<usize>,
}

/// What a key did to a channel list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKey {
    /// Taken; whether the list changed.
    Taken(bool),
    /// Not the field's key (the form moves on: Tab with nothing to complete).
    NotMine,
}

impl ChannelField {
    /// The names listed, lowercase.
    pub fn listed(&self) -> Vec<String> {
        channel_names(&self.text)
            .into_iter()
            .map(|c| c.to_lowercase())
            .collect()
    }

    /// Replaces the list.
    pub fn set_list(&mut self, names: &[String]) {
        text_field::set(&mut self.text, &mut self.cursor, &names.join(", "));
    }

    /// Adds `name`, or removes it when listed.
    pub fn toggle(&mut self, name: &str) {
        let mut listed = self.listed();
        match listed.iter().position(|c| c == name) {
            Some(i) => {
                listed.remove(i);
            }
            None => listed.push(name.to_string()),
        }
        self.set_list(&listed);
    }

    /// The name being typed at the end (after the last comma or space), if any.
    fn partial(&self) -> Option<&str> {
        let last = self.text.rsplit([',', ' ']).next().unwrap_or("");
        (!last.is_empty()).then_some(last)
    }

    /// The offered names the name being typed could become (not listed yet).
    pub fn completions(&self, options: &[String]) -> Vec<String> {
        let Some(partial) = self.partial() else {
            return Vec::new();
        };
        let partial = partial.to_lowercase();
        let listed = self.listed();
        options
            .iter()
            .filter(|o| o.starts_with(&partial) && *o != &partial)
            .filter(|o| !listed.contains(o))
            .cloned()
            .collect()
    }

    /// Tab: completes the name being typed to the first offered one it starts; returns
    /// whether it did.
    pub fn complete(&mut self, options: &[String]) -> bool {
        let Some(first) = self.completions(options).into_iter().next() else {
            return false;
        };
        let partial_len = self.partial().map_or(0, str::len);
        let keep = &self.text[..self.text.len() - partial_len];
        let text = format!("{keep}{first}, ");
        text_field::set(&mut self.text, &mut self.cursor, &text);
        true
    }

    /// A key on the field.
    pub fn key(&mut self, key: &KeyEvent, options: &[String]) -> ChannelKey {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Tab if self.cursor_at_end() => {
                if self.complete(options) {
                    ChannelKey::Taken(true)
                } else {
                    ChannelKey::NotMine
                }
            }
            KeyCode::Down => {
                self.highlight = step(self.highlight, 1, options.len());
                ChannelKey::Taken(false)
            }
            KeyCode::Up => {
                self.highlight = step(self.highlight, -1, options.len());
                ChannelKey::Taken(false)
            }
            KeyCode::Char(' ') if plain && self.highlight.is_some() => {
                let name = self.highlight.and_then(|h| options.get(h)).cloned();
                if let Some(name) = name {
                    self.toggle(&name);
                }
                ChannelKey::Taken(true)
            }
            _ => match text_field::edit(&mut self.text, &mut self.cursor, key) {
                text_field::Edit::NotMine => ChannelKey::NotMine,
                edit => {
                    if edit.changed() {
                        self.highlight = None;
                    }
                    ChannelKey::Taken(edit.changed())
                }
            },
        }
    }

    fn cursor_at_end(&self) -> bool {
        self.cursor.position(&self.text) >= self.text.chars().count()
    }

    /// Pasted text (one line).
    pub fn paste(&mut self, text: &str) {
        text_field::insert(
            &mut self.text,
            &mut self.cursor,
            &text_field::one_line(text),
        );
        self.highlight = None;
    }
}

/// What a persona picker filters on: each persona's name, slug, language and id.
pub fn persona_haystacks(personas: &[PersonaSummary]) -> Vec<String> {
    personas
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {}",
                p.name,
                p.slug,
                p.language.as_deref().unwrap_or(""),
                p.id
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn tab_completes_the_name_being_typed() {
        let options = channel_options(&["telegram_demo".into()]);
        let mut field = ChannelField::default();
        for c in "tele".chars() {
            field.key(&key(KeyCode::Char(c)), &options);
        }
        assert_eq!(
            field.completions(&options),
            vec!["telegram", "telegram_demo"]
        );
        assert_eq!(
            field.key(&key(KeyCode::Tab), &options),
            ChannelKey::Taken(true)
        );
        assert_eq!(field.text, "telegram, ");
        for c in "in".chars() {
            field.key(&key(KeyCode::Char(c)), &options);
        }
        field.key(&key(KeyCode::Tab), &options);
        assert_eq!(field.listed(), vec!["telegram", "instagram"]);
        // Nothing left to complete: Tab is the form's.
        assert_eq!(field.key(&key(KeyCode::Tab), &options), ChannelKey::NotMine);
    }

    #[test]
    fn space_toggles_the_highlighted_channel() {
        let options = channel_options(&[]);
        let mut field = ChannelField::default();
        field.set_list(&["telegram".into()]);
        field.key(&key(KeyCode::Down), &options); // telegram
        field.key(&key(KeyCode::Char(' ')), &options);
        assert!(field.listed().is_empty());
        field.key(&key(KeyCode::Down), &options); // instagram
        field.key(&key(KeyCode::Char(' ')), &options);
        assert_eq!(field.listed(), vec!["instagram"]);
    }

    #[test]
    fn the_picker_filters_and_takes_the_only_match() {
        let haystacks = vec!["Anna Lee".to_string(), "Bob Stone".to_string()];
        let mut picker = Picker::default();
        for c in "sto".chars() {
            picker.edit(&key(KeyCode::Char(c)), &haystacks);
        }
        assert_eq!(picker.visible(&haystacks), vec![1]);
        assert_eq!(picker.picked, Some(1));
        assert_eq!(picker.take_shown(&haystacks, &haystacks), Some(1));
        assert_eq!(picker.text, "Bob Stone");
    }
}
