//! Text fields' side of `App`: whether one has focus (the event loop then keeps the Alt+keys a
//! field uses), pasted text (into the focused field as text, never as keys), and the palette
//! after an edit.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// Whether keys go into a text field now: a form's text field, the `:` palette, the `/`
    /// filter.
    pub fn editing_text(&self) -> bool {
        match &self.overlay {
            Some(Overlay::Palette(_)) => return true,
            Some(_) => return false,
            None => {}
        }
        if self.filter_editing {
            return true;
        }
        match &self.screen {
            Screen::PublishForm(state) => state.editing_text(),
            Screen::GenesisForm(state) => state.editing_text(),
            Screen::GenesisJob(state) => state.edit.as_ref().is_some_and(|e| e.editing_text()),
            Screen::LayoutEditor(state) => state.prompt.is_some(),
            Screen::ProjectForm(state) => state.editing_text(),
            Screen::RunForm(state) => state.editing_text(),
            Screen::JobForm(state) => state.editing_text(),
            Screen::Jobs(state) => state.filter_editing,
            Screen::Ask(state) => state.focus == AskFocus::Question,
            _ => false,
        }
    }

    /// The keys one terminal read stands for: an Escape read together with the next key is
    /// both keys (`Keymap::unfold_alt`), except an Alt+key that the focused text field uses
    /// (Alt-B/Alt-F word motions, Alt-D, Alt-Backspace).
    pub fn unfold_key(&self, key: KeyEvent) -> Vec<KeyEvent> {
        if self.editing_text() && text_field::is_alt_edit(&key) {
            return vec![key];
        }
        self.keymap.unfold_alt(key)
    }

    /// Pasted text goes into the focused text field; with none, nothing happens (the status
    /// line says so).
    pub(super) fn paste(&mut self, text: &str) -> Vec<Command> {
        if let Some(overlay) = self.overlay.take() {
            if let Overlay::Palette(mut palette) = overlay {
                let line = text_field::one_line(text);
                let edit = text_field::insert(&mut palette.input, &mut palette.cursor, &line);
                return self.palette_edited(palette, edit.changed());
            }
            self.overlay = Some(overlay);
            self.paste_ignored();
            return Vec::new();
        }
        if self.filter_editing {
            let line = text_field::one_line(text);
            text_field::insert(&mut self.filter, &mut self.filter_cursor, &line);
            self.filter_changed();
            return Vec::new();
        }
        let taken = match &mut self.screen {
            Screen::PublishForm(state) => state.paste(text),
            Screen::GenesisForm(state) => state.paste(text),
            Screen::GenesisJob(state) => state.edit.as_mut().is_some_and(|e| e.paste(text)),
            Screen::LayoutEditor(_) => self.editor_paste(text),
            Screen::ProjectForm(state) => state.paste(text),
            Screen::RunForm(state) => state.paste(text),
            Screen::JobForm(state) => state.paste(text),
            Screen::Jobs(state) if state.filter_editing => {
                let line = text_field::one_line(text);
                text_field::insert(&mut state.filter, &mut state.filter_cursor, &line);
                true
            }
            Screen::Ask(_) => self.ask_paste(text),
            _ => false,
        };
        if !taken {
            self.paste_ignored();
            return Vec::new();
        }
        // A pasted draft id is looked up like a typed one.
        self.check_typed_draft()
    }

    fn paste_ignored(&mut self) {
        self.say("paste ignored: no text field has focus", false);
    }

    /// The palette after an edit: an error was about the older input, and completing
    /// `genesis ` needs the awaiting jobs, whatever the layout shows.
    pub(super) fn palette_edited(
        &mut self,
        mut palette: PaletteState,
        changed: bool,
    ) -> Vec<Command> {
        if !changed {
            self.overlay = Some(Overlay::Palette(palette));
            return Vec::new();
        }
        palette.error = None;
        let genesis = palette.input.starts_with("genesis ");
        let jobs = palette.input.starts_with("jobs ");
        self.overlay = Some(Overlay::Palette(palette));
        if genesis {
            self.load_genesis_jobs_once()
        } else if jobs {
            self.load_job_names_once()
        } else {
            Vec::new()
        }
    }
}
