//! Publishing channels.
//!
//! MPIS stores channels as free strings (projects may use `telegram_demo`, n8n may send
//! `Telegram`), while the metric rules only know four of them. `Channel` keeps unknown names
//! instead of rejecting them, so nothing read from the database is ever lost or refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A publishing channel; the four known ones get channel-specific metric mappings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Channel {
    Telegram,
    Instagram,
    Tiktok,
    Youtube,
    /// Any other name, trimmed and lowercased (e.g. `telegram_demo`).
    Other(String),
}

impl Channel {
    /// The channels that have their own metric mapping, in the reference's order.
    pub const KNOWN: [Channel; 4] = [
        Channel::Telegram,
        Channel::Instagram,
        Channel::Tiktok,
        Channel::Youtube,
    ];

    /// Reads a channel name the way MPIS compares them: trimmed and case-insensitive.
    ///
    /// Never fails: unknown names become `Other(lowercased trimmed name)`.
    pub fn parse(name: &str) -> Channel {
        let lowered = name.trim().to_lowercase();
        // The known names are strum's (`as_str`), so there is one spelling of each.
        Channel::KNOWN
            .into_iter()
            .find(|known| known.as_str() == lowered)
            .unwrap_or(Channel::Other(lowered))
    }

    /// The canonical lowercase name, as stored in the database and sent over JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Other(name) => name,
            known => known.into(),
        }
    }

    /// True for the four channels with a dedicated metric mapping.
    pub fn is_known(&self) -> bool {
        !matches!(self, Channel::Other(_))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Channel::parse(s))
    }
}

impl From<&str> for Channel {
    fn from(s: &str) -> Self {
        Channel::parse(s)
    }
}

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Channel::parse(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_names_case_insensitively_and_trimmed() {
        assert_eq!(Channel::parse("telegram"), Channel::Telegram);
        assert_eq!(Channel::parse("Telegram"), Channel::Telegram);
        assert_eq!(Channel::parse("  INSTAGRAM\n"), Channel::Instagram);
        assert_eq!(Channel::parse("TikTok"), Channel::Tiktok);
        assert_eq!(Channel::parse("YouTube"), Channel::Youtube);
    }

    #[test]
    fn keeps_unknown_names_lowercased_and_trimmed() {
        assert_eq!(
            Channel::parse(" Telegram_Demo "),
            Channel::Other("telegram_demo".to_string())
        );
        assert_eq!(Channel::parse("VK").as_str(), "vk");
        assert!(!Channel::parse("vk").is_known());
        // A near miss is not silently mapped to a known channel.
        assert_eq!(
            Channel::parse("tele gram"),
            Channel::Other("tele gram".into())
        );
        assert_eq!(Channel::parse(""), Channel::Other(String::new()));
    }

    #[test]
    fn as_str_and_display_round_trip_through_parse() {
        for channel in Channel::KNOWN {
            assert!(channel.is_known());
            assert_eq!(Channel::parse(channel.as_str()), channel);
            assert_eq!(channel.to_string(), channel.as_str());
        }
        let other = Channel::Other("mastodon".into());
        assert_eq!(other.to_string(), "mastodon");
        assert_eq!(Channel::parse(&other.to_string()), other);
        assert_eq!(
            Channel::KNOWN.map(|c| c.as_str().to_string()),
            ["telegram", "instagram", "tiktok", "youtube"]
        );
    }

    #[test]
    fn from_str_and_from_never_fail() {
        assert_eq!("YOUTUBE".parse::<Channel>(), Ok(Channel::Youtube));
        assert_eq!(Channel::from("x"), Channel::Other("x".into()));
    }

    #[test]
    fn serde_uses_the_plain_string() {
        assert_eq!(
            serde_json::to_value(Channel::Instagram).ok(),
            Some(serde_json::json!("instagram"))
        );
        assert_eq!(
            serde_json::to_value(Channel::Other("vk".into())).ok(),
            Some(serde_json::json!("vk"))
        );
        let parsed: Vec<Channel> =
            serde_json::from_str(r#"["Telegram", "tiktok", "Telegram_Demo"]"#).unwrap();
        assert_eq!(
            parsed,
            vec![
                Channel::Telegram,
                Channel::Tiktok,
                Channel::Other("telegram_demo".into())
            ]
        );
        assert!(serde_json::from_str::<Channel>("42").is_err());
    }
}
