//! Colors and text styles. The colors come from a theme (`theme_file`: built-in by name or a
//! file), then `[theme]`'s per-color overrides, mapped down to the terminal's color depth;
//! `NO_COLOR` or `theme.monochrome` turns every color off, so state is always also told by a
//! text marker. The only place in `tui/` that names colors.

use ratatui::style::{Color, Modifier, Style};

pub use crate::config::ThemeConfig;

use super::color_depth::ColorDepth;
use super::glyphs::Glyphs;
use super::theme_file::{self, Palette};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub monochrome: bool,
    pub accent: Color,
    pub critical: Color,
    pub warning: Color,
    pub ok: Color,
    pub muted: Color,
    /// Unfocused borders; `None`: the terminal's foreground.
    pub border_color: Option<Color>,
    /// The engagement chart's 4th to 6th lines.
    pub chart: [Color; 3],
    /// Unicode or ASCII symbols (`--ascii`).
    pub glyphs: super::glyphs::Glyphs,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::from_palette(theme_file::dark(), super::glyphs::Glyphs::default())
    }
}

/// How a theme is built beyond the config's `[theme]`: the choice of `--theme` or the
/// environment (wins over `theme`'s name), the terminal's depth, `NO_COLOR`, ASCII.
#[derive(Debug, Clone, Copy)]
pub struct ThemeOptions<'a> {
    pub choice: Option<&'a str>,
    pub depth: ColorDepth,
    pub no_color: bool,
    pub ascii: bool,
}

impl Default for ThemeOptions<'_> {
    fn default() -> Self {
        ThemeOptions {
            choice: None,
            depth: ColorDepth::TrueColor,
            no_color: false,
            ascii: false,
        }
    }
}

impl Theme {
    fn from_palette(palette: Palette, glyphs: super::glyphs::Glyphs) -> Theme {
        Theme {
            monochrome: false,
            accent: palette.accent,
            critical: palette.critical,
            warning: palette.warning,
            ok: palette.ok,
            muted: palette.muted,
            border_color: palette.border,
            chart: palette.chart,
            glyphs,
        }
    }

    /// The theme from config at full color depth, with `NO_COLOR` (any non-empty value) winning.
    pub fn from_config(config: &ThemeConfig, no_color: bool) -> Result<Theme, String> {
        Theme::build(
            config,
            ThemeOptions {
                no_color,
                ..ThemeOptions::default()
            },
        )
    }

    /// The theme named by `options.choice`, else `[theme] name`, else dark; `[theme]`'s colors
    /// over it; every color mapped to the terminal's depth.
    pub fn build(config: &ThemeConfig, options: ThemeOptions) -> Result<Theme, String> {
        let choice = options
            .choice
            .or(config.name.as_deref())
            .unwrap_or(theme_file::DEFAULT_THEME);
        let mut palette = theme_file::load(choice)?;
        let pick = |name: &str, value: &Option<String>, slot: &mut Color| -> Result<(), String> {
            if let Some(text) = value {
                *slot = theme_file::color(&format!("theme.{name}"), text)?;
            }
            Ok(())
        };
        pick("accent", &config.accent, &mut palette.accent)?;
        pick("critical", &config.critical, &mut palette.critical)?;
        pick("warning", &config.warning, &mut palette.warning)?;
        pick("ok", &config.ok, &mut palette.ok)?;
        pick("muted", &config.muted, &mut palette.muted)?;
        let depth = options.depth;
        let palette = Palette {
            accent: depth.map(palette.accent),
            critical: depth.map(palette.critical),
            warning: depth.map(palette.warning),
            ok: depth.map(palette.ok),
            muted: depth.map(palette.muted),
            border: palette.border.map(|c| depth.map(c)),
            chart: palette.chart.map(|c| depth.map(c)),
        };
        let mut theme = Theme::from_palette(palette, Glyphs::for_mode(options.ascii));
        theme.monochrome = config.monochrome || options.no_color;
        Ok(theme)
    }

    /// The engagement chart's line `index` (0-based) beyond the first three.
    pub fn chart(&self, index: usize) -> Style {
        self.fg(self.chart[index % self.chart.len()])
    }

    /// Text on a colored background (the environment's badge): reversed, so without color it
    /// still stands out.
    pub fn badge(&self, color: Option<Color>) -> Style {
        let style = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        match color {
            Some(color) if !self.monochrome => style.fg(color),
            _ => style,
        }
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
        match self.border_color {
            Some(color) => self.fg(color),
            None => Style::default(),
        }
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
        let error = Theme::build(
            &ThemeConfig::default(),
            ThemeOptions {
                choice: Some("nope"),
                ..ThemeOptions::default()
            },
        )
        .unwrap_err();
        assert!(error.contains("nope") && error.contains("light"), "{error}");
    }

    #[test]
    fn a_chosen_theme_wins_over_the_configs_name_and_overrides_apply_on_top() {
        let config = ThemeConfig {
            name: Some("high-contrast".into()),
            accent: Some("magenta".into()),
            ..ThemeConfig::default()
        };
        let theme = Theme::build(&config, ThemeOptions::default()).unwrap();
        assert_eq!(theme.critical, Color::LightRed);
        assert_eq!(theme.accent, Color::Magenta);
        let theme = Theme::build(
            &config,
            ThemeOptions {
                choice: Some("light"),
                ascii: true,
                ..ThemeOptions::default()
            },
        )
        .unwrap();
        assert_eq!(theme.warning, Color::Magenta);
        assert_eq!(theme.accent, Color::Magenta, "[theme] accent still applies");
        assert!(theme.glyphs.ascii);
        assert_eq!(
            Theme::default(),
            Theme::from_config(&ThemeConfig::default(), false).unwrap()
        );
    }

    #[test]
    fn colors_are_mapped_to_the_terminals_depth() {
        let config = ThemeConfig {
            name: Some("colorblind".into()),
            ..ThemeConfig::default()
        };
        let at = |depth| {
            Theme::build(
                &config,
                ThemeOptions {
                    depth,
                    ..ThemeOptions::default()
                },
            )
            .unwrap()
        };
        assert_eq!(
            at(ColorDepth::TrueColor).critical,
            Color::Rgb(0xd5, 0x5e, 0x00)
        );
        assert!(matches!(
            at(ColorDepth::Palette256).critical,
            Color::Indexed(_)
        ));
        assert_eq!(at(ColorDepth::Ansi16).critical, Color::Red);
        assert_eq!(at(ColorDepth::Ansi16).warning, Color::Yellow);
        assert_eq!(at(ColorDepth::Ansi16).ok, Color::Cyan);
    }

    #[test]
    fn the_badge_is_reversed_with_or_without_color() {
        let theme = Theme::default();
        let badge = theme.badge(Some(Color::Red));
        assert_eq!(badge.fg, Some(Color::Red));
        assert!(badge.add_modifier.contains(Modifier::REVERSED));
        let plain = Theme::monochrome().badge(Some(Color::Red));
        assert_eq!(plain.fg, None);
        assert!(plain.add_modifier.contains(Modifier::REVERSED));
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
