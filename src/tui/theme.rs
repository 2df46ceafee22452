//! Colors and text styles. 16-color safe by default (named ANSI colors only); `NO_COLOR` or
//! `theme.monochrome` turns every color off, so state is always also told by a text marker.

use ratatui::style::{Color, Modifier, Style};

pub use crate::config::ThemeConfig;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub monochrome: bool,
    pub accent: Color,
    pub critical: Color,
    pub warning: Color,
    pub ok: Color,
    pub muted: Color,
    /// Unicode or ASCII symbols (`--ascii`).
    pub glyphs: super::glyphs::Glyphs,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            monochrome: false,
            accent: Color::Cyan,
            critical: Color::Red,
            warning: Color::Yellow,
            ok: Color::Green,
            muted: Color::DarkGray,
            glyphs: super::glyphs::Glyphs::default(),
        }
    }
}

impl Theme {
    /// The theme from config, with `NO_COLOR` (any non-empty value) winning.
    pub fn from_config(config: &ThemeConfig, no_color: bool) -> Result<Theme, String> {
        let mut theme = Theme {
            monochrome: config.monochrome || no_color,
            ..Theme::default()
        };
        let pick = |name: &str, value: &Option<String>, slot: &mut Color| -> Result<(), String> {
            if let Some(text) = value {
                *slot = text
                    .parse::<Color>()
                    .map_err(|_| format!("theme.{name}: unknown color {text:?}"))?;
            }
            Ok(())
        };
        pick("accent", &config.accent, &mut theme.accent)?;
        pick("critical", &config.critical, &mut theme.critical)?;
        pick("warning", &config.warning, &mut theme.warning)?;
        pick("ok", &config.ok, &mut theme.ok)?;
        pick("muted", &config.muted, &mut theme.muted)?;
        Ok(theme)
    }

    pub fn monochrome() -> Theme {
        Theme {
            monochrome: true,
            ..Theme::default()
        }
    }

    fn fg(&self, color: Color) -> Style {
        if self.monochrome {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }

    pub fn critical(&self) -> Style {
        self.fg(self.critical).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(self.warning)
    }

    pub fn ok(&self) -> Style {
        self.fg(self.ok)
    }

    pub fn muted(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            self.fg(self.muted)
        }
    }

    pub fn accent(&self) -> Style {
        self.fg(self.accent)
    }

    /// The border of the focused widget: colored and bold (bold alone without color).
    pub fn focused_border(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self) -> Style {
        Style::default()
    }

    /// The selected row of a list: reversed, readable in every palette.
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// A run or flag status word, colored by what it means.
    pub fn status(&self, status: &str) -> Style {
        match status {
            "failed" | "critical" => self.critical(),
            "partial" | "warning" | "running" | "pending" | "queued" => self.warning(),
            "success" | "forwarded" | "ok" => self.ok(),
            _ => Style::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_colors_apply_and_a_bad_one_names_its_key() {
        let config = ThemeConfig {
            accent: Some("lightblue".into()),
            critical: Some("#ff8800".into()),
            ..ThemeConfig::default()
        };
        let theme = Theme::from_config(&config, false).unwrap();
        assert_eq!(theme.accent, Color::LightBlue);
        assert_eq!(theme.critical, Color::Rgb(0xff, 0x88, 0x00));
        let bad = ThemeConfig {
            warning: Some("blurple".into()),
            ..ThemeConfig::default()
        };
        let error = Theme::from_config(&bad, false).unwrap_err();
        assert!(
            error.contains("theme.warning") && error.contains("blurple"),
            "{error}"
        );
    }

    #[test]
    fn no_color_turns_every_color_off_but_keeps_emphasis() {
        let theme = Theme::from_config(&ThemeConfig::default(), true).unwrap();
        assert!(theme.monochrome);
        assert_eq!(theme.critical().fg, None);
        assert!(theme.critical().add_modifier.contains(Modifier::BOLD));
        assert_eq!(theme.status("failed").fg, None);
        assert_eq!(Theme::default().status("failed").fg, Some(Color::Red));
    }
}
