//! How many colors the terminal shows, and a theme's colors mapped down to them: a `#rrggbb`
//! on a 256-color terminal becomes the nearest xterm palette index, on a 16-color one the
//! nearest named ANSI color. Pure functions: the caller reads the environment.

use ratatui::style::Color;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit `#rrggbb` as written.
    TrueColor,
    /// The xterm 256-color palette.
    Palette256,
    /// The 16 named ANSI colors.
    Ansi16,
}

impl ColorDepth {
    /// Config `color_depth`: "auto" is `None` (detect), else the depth named.
    pub fn parse_setting(text: &str) -> Result<Option<ColorDepth>, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(None),
            "truecolor" | "24bit" => Ok(Some(ColorDepth::TrueColor)),
            "256" => Ok(Some(ColorDepth::Palette256)),
            "16" => Ok(Some(ColorDepth::Ansi16)),
            other => Err(format!(
                "color_depth: {other:?} is none of \"auto\", \"truecolor\", \"256\", \"16\""
            )),
        }
    }

    /// From `COLORTERM` and `TERM` as terminals set them: `truecolor`/`24bit` -> 24-bit, a
    /// `TERM` naming `256color` -> 256, anything else (or nothing) -> the 16 every terminal has.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> ColorDepth {
        let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            ColorDepth::TrueColor
        } else if term.is_some_and(|t| t.contains("256color")) {
            ColorDepth::Palette256
        } else {
            ColorDepth::Ansi16
        }
    }

    /// `color` as this depth can show it. Named colors are in every palette; `Indexed` colors
    /// above 15 and `Rgb` colors are mapped to the nearest the terminal has.
    pub fn map(self, color: Color) -> Color {
        match (self, color) {
            (ColorDepth::TrueColor, _) => color,
            (ColorDepth::Palette256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256(r, g, b)),
            (ColorDepth::Palette256, _) => color,
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest_16(r, g, b),
            (ColorDepth::Ansi16, Color::Indexed(index)) => {
                let (r, g, b) = palette_rgb(index);
                nearest_16(r, g, b)
            }
            (ColorDepth::Ansi16, _) => color,
        }
    }
}

/// The six levels of each channel in the 6x6x6 color cube (indexes 16..=231).
const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The 16 named colors with xterm's default values, in palette order (index 0..=15).
const ANSI_16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn distance((r1, g1, b1): (u8, u8, u8), (r2, g2, b2): (u8, u8, u8)) -> u32 {
    let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).unsigned_abs().pow(2);
    d(r1, r2) + d(g1, g2) + d(b1, b2)
}

/// The nearest cube level's index (0..=5) of one channel.
fn cube_index(value: u8) -> u8 {
    let mut best = 0;
    for (index, level) in CUBE_LEVELS.iter().enumerate() {
        if value.abs_diff(*level) < value.abs_diff(CUBE_LEVELS[best]) {
            best = index;
        }
    }
    best as u8
}

/// The nearest xterm-256 index among the color cube and the gray ramp (232..=255); the 16
/// system colors are left out because terminals redefine them.
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let (ri, gi, bi) = (cube_index(r), cube_index(g), cube_index(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let cube_rgb = palette_rgb(cube);
    let average = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    // Gray levels are 8, 18, ..., 238.
    let gray_step = (average.saturating_sub(3) / 10).min(23) as u8;
    let gray = 232 + gray_step;
    if distance((r, g, b), palette_rgb(gray)) < distance((r, g, b), cube_rgb) {
        gray
    } else {
        cube
    }
}

/// The nearest of the 16 named colors.
pub fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    ANSI_16
        .iter()
        .min_by_key(|(_, rgb)| distance((r, g, b), *rgb))
        .map_or(Color::Reset, |(color, _)| *color)
}

/// The RGB value of an xterm-256 palette index.
pub fn palette_rgb(index: u8) -> (u8, u8, u8) {
    match index {
        0..=15 => ANSI_16[usize::from(index)].1,
        16..=231 => {
            let cube = index - 16;
            (
                CUBE_LEVELS[usize::from(cube / 36)],
                CUBE_LEVELS[usize::from(cube / 6 % 6)],
                CUBE_LEVELS[usize::from(cube % 6)],
            )
        }
        _ => {
            let level = 8 + 10 * (index - 232);
            (level, level, level)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_detected_from_colorterm_then_term() {
        use ColorDepth::*;
        assert_eq!(
            ColorDepth::detect(Some("truecolor"), Some("xterm")),
            TrueColor
        );
        assert_eq!(ColorDepth::detect(Some("24bit"), None), TrueColor);
        assert_eq!(ColorDepth::detect(None, Some("xterm-256color")), Palette256);
        assert_eq!(
            ColorDepth::detect(Some("yes"), Some("screen-256color")),
            Palette256
        );
        assert_eq!(ColorDepth::detect(None, Some("xterm")), Ansi16);
        assert_eq!(ColorDepth::detect(None, Some("linux")), Ansi16);
        assert_eq!(ColorDepth::detect(None, None), Ansi16);
    }

    #[test]
    fn the_setting_overrides_or_detects_and_a_bad_one_names_the_key() {
        assert_eq!(ColorDepth::parse_setting("auto"), Ok(None));
        assert_eq!(
            ColorDepth::parse_setting("256"),
            Ok(Some(ColorDepth::Palette256))
        );
        assert_eq!(
            ColorDepth::parse_setting("TrueColor"),
            Ok(Some(ColorDepth::TrueColor))
        );
        assert_eq!(
            ColorDepth::parse_setting("16"),
            Ok(Some(ColorDepth::Ansi16))
        );
        let error = ColorDepth::parse_setting("88").unwrap_err();
        assert!(
            error.contains("color_depth") && error.contains("88"),
            "{error}"
        );
    }

    #[test]
    fn rgb_maps_to_the_nearest_palette_index() {
        assert_eq!(nearest_256(0xff, 0x88, 0x00), 208);
        assert_eq!(nearest_256(0, 0, 0), 16);
        assert_eq!(nearest_256(255, 255, 255), 231);
        assert_eq!(nearest_256(0x80, 0x80, 0x80), 244);
        // Okabe-Ito blue #0072b2 -> cube (0, 95, 175) = 25.
        assert_eq!(nearest_256(0x00, 0x72, 0xb2), 25);
        assert_eq!(
            ColorDepth::Palette256.map(Color::Rgb(0xff, 0x88, 0x00)),
            Color::Indexed(208)
        );
    }

    #[test]
    fn rgb_and_indexes_map_to_the_nearest_named_color_in_16() {
        let orange = ColorDepth::Ansi16.map(Color::Rgb(0xff, 0x88, 0x00));
        assert!(
            matches!(orange, Color::Yellow | Color::LightRed),
            "{orange:?}"
        );
        assert_eq!(nearest_16(200, 10, 10), Color::Red);
        assert_eq!(nearest_16(250, 250, 250), Color::White);
        assert_eq!(ColorDepth::Ansi16.map(Color::Indexed(196)), Color::LightRed);
        assert_eq!(ColorDepth::Ansi16.map(Color::Indexed(1)), Color::Red);
    }

    #[test]
    fn named_colors_and_truecolor_pass_through() {
        for depth in [
            ColorDepth::TrueColor,
            ColorDepth::Palette256,
            ColorDepth::Ansi16,
        ] {
            assert_eq!(depth.map(Color::Cyan), Color::Cyan);
            assert_eq!(depth.map(Color::Reset), Color::Reset);
        }
        let rgb = Color::Rgb(1, 2, 3);
        assert_eq!(ColorDepth::TrueColor.map(rgb), rgb);
    }
}
