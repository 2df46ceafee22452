//! The environment's badge at the start of the status line (" PRODUCTION "), reversed in the
//! environment's color: without color (NO_COLOR, ASCII terminals) the reverse video still
//! sets it apart.

use ratatui::style::Color;
use ratatui::text::Span;

use super::app::App;
use super::color_depth::ColorDepth;
use super::theme::Theme;
use crate::domain::environment::{Environment, badge_text};
use crate::sanitize::sanitize;

#[derive(Debug, Clone, PartialEq)]
pub struct Badge {
    pub text: String,
    /// `None`: the theme's accent.
    pub color: Option<Color>,
}

impl Badge {
    /// The environment's badge; its color checked (an error names `environments.NAME.color`)
    /// and mapped to the terminal's depth.
    pub fn new(environment: &Environment, depth: ColorDepth) -> Result<Badge, String> {
        let color = match &environment.color {
            Some(text) => Some(depth.map(super::theme_file::color(
                &format!("environments.{}.color", environment.name),
                text,
            )?)),
            None => None,
        };
        Ok(Badge {
            text: badge_text(&sanitize(&environment.name)),
            color,
        })
    }
}

/// The badge's span in the theme's style (the accent when the environment names no color).
pub fn span(app: &App) -> Option<Span<'static>> {
    let badge = app.options.environment.as_ref()?;
    Some(styled(badge, &app.options.theme))
}

pub fn styled(badge: &Badge, theme: &Theme) -> Span<'static> {
    let color = badge.color.unwrap_or(theme.accent);
    Span::styled(badge.text.clone(), theme.badge(Some(color)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn production_is_red_and_a_bad_color_names_its_key() {
        let prod = crate::domain::environment::resolve("production", &HashMap::new());
        let badge = Badge::new(&prod, ColorDepth::TrueColor).unwrap();
        assert_eq!(badge.text, " PRODUCTION ");
        assert_eq!(badge.color, Some(Color::Red));
        let span = styled(&badge, &Theme::default());
        assert_eq!(span.style.fg, Some(Color::Red));
        let staging = crate::domain::environment::resolve("staging", &HashMap::new());
        let badge = Badge::new(&staging, ColorDepth::TrueColor).unwrap();
        assert_eq!(
            styled(&badge, &Theme::default()).style.fg,
            Some(Color::Cyan)
        );
        let odd = Environment {
            color: Some("blurple".into()),
            ..staging
        };
        let error = Badge::new(&odd, ColorDepth::Ansi16).unwrap_err();
        assert!(error.contains("environments.staging.color"), "{error}");
    }
}
