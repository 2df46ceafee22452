//! Themes as files: the built-in ones (`assets/themes/*.toml`, embedded) chosen by name, or any
//! TOML file of the same keys chosen by path. A file gives colors only; monochrome, the color
//! depth and ASCII are applied on top by `Theme::build`.

use std::path::Path;

use ratatui::style::Color;
use serde::Deserialize;

/// The built-in themes by name, in the order an error lists them.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("dark", include_str!("../../assets/themes/dark.toml")),
    ("light", include_str!("../../assets/themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../assets/themes/high-contrast.toml"),
    ),
    (
        "colorblind",
        include_str!("../../assets/themes/colorblind.toml"),
    ),
];

/// The theme used when none is chosen.
pub const DEFAULT_THEME: &str = "dark";

/// A theme's colors as resolved (named, indexed or RGB: the color depth maps them later).
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub accent: Color,
    pub critical: Color,
    pub warning: Color,
    pub ok: Color,
    pub muted: Color,
    /// Unfocused borders; `None`: the terminal's own foreground.
    pub border: Option<Color>,
    /// The engagement chart's 4th to 6th lines (the first three are accent, ok and warning).
    pub chart: [Color; 3],
}

/// What a theme file may hold; a key left out keeps the dark theme's color.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    accent: Option<String>,
    critical: Option<String>,
    warning: Option<String>,
    ok: Option<String>,
    muted: Option<String>,
    border: Option<String>,
    chart: Option<Vec<String>>,
}

/// A path rather than a name: it has a `/` or ends in `.toml` (`./mine.toml`, `/etc/x.toml`).
pub fn is_path(choice: &str) -> bool {
    choice.contains('/') || choice.ends_with(".toml")
}

/// The palette a `theme` setting names: a built-in by name or a file by path.
pub fn load(choice: &str) -> Result<Palette, String> {
    let choice = choice.trim();
    if is_path(choice) {
        let text = std::fs::read_to_string(Path::new(choice))
            .map_err(|e| format!("theme file {choice}: cannot read it: {e}"))?;
        return parse(&format!("theme file {choice}"), &text);
    }
    let name = choice.to_ascii_lowercase();
    match BUILT_IN.iter().find(|(known, _)| *known == name) {
        Some((known, text)) => parse(&format!("built-in theme {known}"), text),
        None => Err(format!(
            "theme: unknown theme {choice:?}; built-in themes: {} (or a path to a .toml file)",
            BUILT_IN.map(|(name, _)| name).join(", ")
        )),
    }
}

/// One color by name ("red", "lightblue"), palette index ("208") or "#rrggbb"; the error names
/// the key.
pub fn color(key: &str, text: &str) -> Result<Color, String> {
    text.trim()
        .parse::<Color>()
        .map_err(|_| format!("{key}: unknown color {text:?}"))
}

/// A theme file's text; errors start with `source` ("theme file ./x.toml") and name the key.
pub fn parse(source: &str, text: &str) -> Result<Palette, String> {
    let file: ThemeFile = toml::from_str(text).map_err(|e| format!("{source}: {}", e.message()))?;
    let mut palette = dark();
    let set = |key: &str, value: &Option<String>, slot: &mut Color| -> Result<(), String> {
        if let Some(text) = value {
            *slot = color(key, text).map_err(|e| format!("{source}: {e}"))?;
        }
        Ok(())
    };
    set("accent", &file.accent, &mut palette.accent)?;
    set("critical", &file.critical, &mut palette.critical)?;
    set("warning", &file.warning, &mut palette.warning)?;
    set("ok", &file.ok, &mut palette.ok)?;
    set("muted", &file.muted, &mut palette.muted)?;
    if let Some(text) = &file.border {
        palette.border = Some(color("border", text).map_err(|e| format!("{source}: {e}"))?);
    }
    if let Some(chart) = &file.chart {
        if chart.len() != palette.chart.len() {
            return Err(format!(
                "{source}: chart: {} colors given, 3 wanted",
                chart.len()
            ));
        }
        for (slot, text) in palette.chart.iter_mut().zip(chart) {
            *slot = color("chart", text).map_err(|e| format!("{source}: {e}"))?;
        }
    }
    Ok(palette)
}

/// Today's default colors (kept in code too, so a palette always exists without a file).
pub fn dark() -> Palette {
    Palette {
        accent: Color::Cyan,
        critical: Color::Red,
        warning: Color::Yellow,
        ok: Color::Green,
        muted: Color::DarkGray,
        border: None,
        chart: [Color::Magenta, Color::Blue, Color::LightRed],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_dark_is_todays_default() {
        for (name, _) in BUILT_IN {
            load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert_eq!(load("dark").unwrap(), dark());
        assert_eq!(load("Light").unwrap().warning, Color::Magenta);
    }

    #[test]
    fn the_light_theme_has_no_yellow_or_light_text() {
        let light = load("light").unwrap();
        let colors = [
            light.accent,
            light.critical,
            light.warning,
            light.ok,
            light.muted,
        ];
        for color in colors.iter().chain(light.chart.iter()) {
            assert!(
                !matches!(
                    color,
                    Color::Yellow
                        | Color::LightYellow
                        | Color::White
                        | Color::Gray
                        | Color::LightCyan
                        | Color::LightGreen
                        | Color::Cyan
                ),
                "{color:?} is hard to read on white"
            );
        }
    }

    #[test]
    fn the_colorblind_theme_uses_no_red_or_green() {
        let theme = load("colorblind").unwrap();
        assert_eq!(theme.critical, Color::Rgb(0xd5, 0x5e, 0x00));
        assert_eq!(theme.warning, Color::Rgb(0xe6, 0x9f, 0x00));
        assert_eq!(theme.ok, Color::Rgb(0x00, 0x72, 0xb2));
        assert_ne!(theme.ok, Color::Green);
    }

    #[test]
    fn an_unknown_name_lists_the_built_in_ones() {
        let error = load("solarized").unwrap_err();
        assert!(error.contains("solarized"), "{error}");
        for (name, _) in BUILT_IN {
            assert!(error.contains(name), "{error}");
        }
    }

    #[test]
    fn names_and_paths_are_told_apart() {
        assert!(is_path("./mine.toml"));
        assert!(is_path("/etc/mpis/x"));
        assert!(is_path("mine.toml"));
        assert!(!is_path("high-contrast"));
    }

    #[test]
    fn a_file_with_an_unknown_key_or_color_names_the_file_and_the_key() {
        let dir = std::env::temp_dir().join(format!("theme-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mine.toml");
        std::fs::write(&path, "accent = \"magenta\"\nbackground = \"white\"\n").unwrap();
        let error = load(path.to_str().unwrap()).unwrap_err();
        assert!(
            error.contains("mine.toml") && error.contains("background"),
            "{error}"
        );
        std::fs::write(&path, "accent = \"magenta\"\nwarning = \"blurple\"\n").unwrap();
        let error = load(path.to_str().unwrap()).unwrap_err();
        assert!(
            error.contains("mine.toml") && error.contains("warning") && error.contains("blurple"),
            "{error}"
        );
        std::fs::write(&path, "accent = \"#112233\"\n").unwrap();
        let palette = load(path.to_str().unwrap()).unwrap();
        assert_eq!(palette.accent, Color::Rgb(0x11, 0x22, 0x33));
        assert_eq!(
            palette.critical,
            Color::Red,
            "unset keys keep dark's colors"
        );
        let missing = load(dir.join("none.toml").to_str().unwrap()).unwrap_err();
        assert!(missing.contains("none.toml"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
