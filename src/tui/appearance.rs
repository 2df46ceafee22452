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
    let badge = environment
        .map(|env| Badge::new(env, depth))
        .transpose()?;
    Ok(Appearance { theme, badge })
}
