//! The bytes of an alert: the bell (BEL) and a desktop notification as the terminal
//! understands it, OSC 9 (`ESC ] 9 ; body BEL`) or OSC 777 (`ESC ] 777 ; notify ; title ;
//! body BEL`). Inside tmux (`$TMUX` set) the OSC is wrapped in tmux's DCS passthrough
//! (`ESC P tmux; …ESC\`, each ESC inside doubled), which reaches the outer terminal when tmux
//! allows it (`set -g allow-passthrough on`, tmux 3.3+; older tmux passes it always); the
//! bell needs no wrapping, tmux forwards it by its `bell-action`. GNU screen is not wrapped:
//! its passthrough cuts long sequences, and it shows the bell itself.

use crate::config::{AlertsConfig, DesktopNotification};
use crate::domain::alerts::{Alert, notification_text};

const BEL: &str = "\x07";

/// What to write for `alert` with these settings (empty when both are off).
pub fn bytes(alert: &Alert, settings: &AlertsConfig, in_tmux: bool) -> Vec<u8> {
    let mut out = String::new();
    if settings.bell {
        out.push_str(BEL);
    }
    // The text is cleaned again here: nothing that reaches the terminal relies on the caller.
    let title = notification_text(&alert.title).replace(';', ",");
    let body = notification_text(&alert.body);
    let osc = match settings.desktop {
        DesktopNotification::Osc9 => Some(format!("\x1b]9;{title}: {body}{BEL}")),
        DesktopNotification::Osc777 => Some(format!("\x1b]777;notify;{title};{body}{BEL}")),
        DesktopNotification::Off => None,
    };
    if let Some(osc) = osc {
        if in_tmux {
            out.push_str("\x1bPtmux;");
            out.push_str(&osc.replace('\x1b', "\x1b\x1b"));
            out.push_str("\x1b\\");
        } else {
            out.push_str(&osc);
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> Alert {
        Alert {
            title: "mpis-dash: critical red flag".to_string(),
            body: "stuck runs 3".to_string(),
        }
    }

    fn settings(bell: bool, desktop: DesktopNotification) -> AlertsConfig {
        AlertsConfig {
            bell,
            desktop,
            min_interval_secs: 60,
        }
    }

    #[test]
    fn each_setting_writes_exactly_its_sequences() {
        use DesktopNotification::*;
        let osc9 = "\x1b]9;mpis-dash: critical red flag: stuck runs 3\x07";
        let osc777 = "\x1b]777;notify;mpis-dash: critical red flag;stuck runs 3\x07";
        let cases = [
            (true, Osc9, format!("\x07{osc9}")),
            (true, Osc777, format!("\x07{osc777}")),
            (true, Off, "\x07".to_string()),
            (false, Osc9, osc9.to_string()),
            (false, Osc777, osc777.to_string()),
            (false, Off, String::new()),
        ];
        for (bell, desktop, expected) in cases {
            let written = bytes(&alert(), &settings(bell, desktop), false);
            assert_eq!(
                String::from_utf8(written).unwrap(),
                expected,
                "bell {bell}, {desktop:?}"
            );
        }
    }

    #[test]
    fn inside_tmux_the_osc_is_passed_through_and_the_bell_is_not_wrapped() {
        let written = bytes(&alert(), &settings(true, DesktopNotification::Osc9), true);
        assert_eq!(
            String::from_utf8(written).unwrap(),
            "\x07\x1bPtmux;\x1b\x1b]9;mpis-dash: critical red flag: stuck runs 3\x07\x1b\\"
        );
        let off = bytes(&alert(), &settings(false, DesktopNotification::Off), true);
        assert!(off.is_empty());
    }

    #[test]
    fn control_characters_in_a_flag_name_never_reach_the_terminal() {
        let evil = Alert {
            title: "t;x".to_string(),
            body: "a\x1b]52;c;AAAA\x07b\u{9c}c".to_string(),
        };
        let written = String::from_utf8(bytes(
            &evil,
            &settings(false, DesktopNotification::Osc777),
            false,
        ))
        .unwrap();
        assert_eq!(written, "\x1b]777;notify;t,x;a ]52;c;AAAA b c\x07");
        assert_eq!(written.matches('\x1b').count(), 1);
        assert_eq!(written.matches('\x07').count(), 1);
    }
}
