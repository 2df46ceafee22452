//! How the dashboard looks this session, from config, flags and the process environment: the
//! theme (by `--theme`, the environment's `theme`, or config), the color depth, ASCII mode and
//! the environment's badge. The environment variables are passed in, so this is testable.

use super::color_depth::ColorDepth;
use super::environment_badge::Badge;
use super::glyphs;
use super::theme::{Theme, ThemeOptions};
use crate::config::Config;
use crate::domain::environment::Environment;

/// What the command line says about the look (`--theme`, `--ascii`).
#[derive(Debug, Clone, Default)]
pub struct LookFlags {
    pub theme: Option<String>,
    pub ascii: bool,
}

#[derive(Debug, Clone)]
pub struct Appearance {
    pub theme: Theme,
    pub badge: Option<Badge>,
}

/// The session's look; `var` reads an environment variable (`std::env::var` in the binary).
/// Errors name the key or flag at fault.
pub fn resolve(
    config: &Config,
    flags: &LookFlags,
    environment: Option<&Environment>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Appearance, String> {
    let depth = match ColorDepth::parse_setting(&config.color_depth)? {
        Some(depth) => depth,
        None => ColorDepth::detect(var("COLORTERM").as_deref(), var("TERM").as_deref()),
    };
    let locale_utf8 = glyphs::locale_is_utf8(
        var("LC_ALL").as_deref(),
        var("LC_CTYPE").as_deref(),
        var("LANG").as_deref(),
    );
    let choice = flags
        .theme
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .or(environment.and_then(|e| e.theme.as_deref()));
    let theme = Theme::build(
        &config.theme,
        ThemeOptions {
            choice,
            depth,
            no_color: var("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ascii: glyphs::ascii_mode(flags.ascii, config.ascii, locale_utf8),
        },
    )?;
    let badge = environment.map(|env| Badge::new(env, depth)).transpose()?;
    Ok(Appearance { theme, badge })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;
    use std::collections::HashMap;

    fn config(text: &str) -> Config {
        crate::config::tests::load_text(&tempfile::tempdir().unwrap(), text).unwrap()
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_terminal_decides_depth_and_ascii_unless_config_says() {
        let colorblind = config("theme = \"colorblind\"\n");
        let flags = LookFlags::default();
        let look = resolve(&colorblind, &flags, None, vars(&[("TERM", "xterm")])).unwrap();
        assert_eq!(look.theme.critical, Color::Red, "16 colors");
        assert!(!look.theme.glyphs.ascii, "no locale set: UTF-8");
        let look = resolve(
            &colorblind,
            &flags,
            None,
            vars(&[("TERM", "xterm-256color"), ("LANG", "C")]),
        )
        .unwrap();
        assert!(matches!(look.theme.critical, Color::Indexed(_)));
        assert!(look.theme.glyphs.ascii, "the C locale is not UTF-8");
        let look = resolve(
            &colorblind,
            &flags,
            None,
            vars(&[("COLORTERM", "truecolor"), ("NO_COLOR", "1")]),
        )
        .unwrap();
        assert_eq!(look.theme.critical, Color::Rgb(0xd5, 0x5e, 0x00));
        assert!(look.theme.monochrome, "NO_COLOR wins");
        let forced = config("theme = \"colorblind\"\ncolor_depth = \"16\"\nascii = false\n");
        let look = resolve(
            &forced,
            &flags,
            None,
            vars(&[("COLORTERM", "truecolor"), ("LC_ALL", "POSIX")]),
        )
        .unwrap();
        assert_eq!(look.theme.critical, Color::Red);
        assert!(
            !look.theme.glyphs.ascii,
            "ascii = false wins over the locale"
        );
        let flagged = LookFlags {
            ascii: true,
            ..LookFlags::default()
        };
        assert!(
            resolve(&forced, &flagged, None, vars(&[]))
                .unwrap()
                .theme
                .glyphs
                .ascii
        );
    }

    #[test]
    fn the_flag_wins_over_the_environments_theme_over_the_configs() {
        let config =
            config("theme = \"dark\"\n[environments.production]\ntheme = \"high-contrast\"\n");
        let env = crate::domain::environment::resolve("production", &config.environments);
        let look = resolve(&config, &LookFlags::default(), Some(&env), vars(&[])).unwrap();
        assert_eq!(
            look.theme.critical,
            Color::LightRed,
            "the environment's theme"
        );
        let badge = look.badge.expect("a badge");
        assert_eq!(badge.text, " PRODUCTION ");
        assert_eq!(badge.color, Some(Color::Red));
        let flags = LookFlags {
            theme: Some("light".into()),
            ..LookFlags::default()
        };
        let look = resolve(&config, &flags, Some(&env), vars(&[])).unwrap();
        assert_eq!(look.theme.warning, Color::Magenta, "--theme wins");
        let flags = LookFlags {
            theme: Some("nope".into()),
            ..LookFlags::default()
        };
        let error = resolve(&config, &flags, None, vars(&[])).unwrap_err();
        assert!(
            error.contains("nope") && error.contains("colorblind"),
            "{error}"
        );
    }
}
