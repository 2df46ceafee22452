//! `--demo` ingests for real: the four stand-ins started in-process on loopback ports, their
//! demo credentials written to an owner-only (0600) secrets file in the data dir, and the
//! seeded demo jobs pointed at them (`base_url`, a `{file, key}` credential reference: never
//! the secret in the database). The ports change on every start, so the jobs are re-pointed
//! every time (`demo_data::point_demo_jobs`). The stand-ins know the demo's published items:
//! YouTube, Instagram and TikTok answer any numeric id, and the Telegram stand-in serves the
//! demo channel up to its highest post; their counters grow while they run.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;
use sqlx::PgPool;

use super::standin::{self, Platform, StandIn, telegram, tiktok};
use crate::demo_data::{self, DemoTarget};
use crate::domain::channel::Channel;

/// The demo's public Telegram channel (its items link to `t.me/<this>/<id>`).
pub const TELEGRAM_CHANNEL: &str = "mpis_demo";
/// The secrets file in the data dir.
pub const SECRETS_FILE: &str = "demo-secrets.toml";

/// The running stand-ins; dropping them stops them (the demo jobs then fail until the next
/// demo start re-points them).
pub struct DemoIngestion {
    pub youtube: StandIn,
    pub instagram: StandIn,
    pub tiktok: tiktok::TiktokStandIn,
    pub telegram: telegram::TelegramStandIn,
    pub secrets_file: PathBuf,
}

impl DemoIngestion {
    /// Where each channel's demo job is pointed.
    pub fn targets(&self) -> Vec<DemoTarget> {
        let file = self.secrets_file.display().to_string();
        let with_key = |channel: Channel, base_url: String| DemoTarget {
            channel: channel.as_str().to_string(),
            base_url,
            credential: Some((file.clone(), channel.as_str().to_string())),
        };
        vec![
            with_key(Channel::Youtube, self.youtube.base_url.clone()),
            with_key(Channel::Instagram, self.instagram.base_url.clone()),
            with_key(Channel::Tiktok, self.tiktok.base_url()),
            // The public preview needs no credential.
            DemoTarget {
                channel: Channel::Telegram.as_str().to_string(),
                base_url: self.telegram.base_url(),
                credential: None,
            },
        ]
    }
}

/// Starts the stand-ins, writes their keys to `data_dir/demo-secrets.toml` (0600) and points
/// the demo jobs at them.
pub async fn start(pool: &PgPool, data_dir: &Path) -> anyhow::Result<DemoIngestion> {
    let last_post = demo_data::last_telegram_post(pool).await?;
    let channel = telegram::StandInChannel::new(TELEGRAM_CHANNEL, last_post);
    let demo = DemoIngestion {
        youtube: standin::start(Platform::Youtube).await?,
        instagram: standin::start(Platform::Instagram).await?,
        tiktok: tiktok::start(tiktok::TiktokKnobs::default()).await?,
        telegram: telegram::start(telegram::TelegramKnobs {
            channels: vec![channel],
            ..telegram::TelegramKnobs::default()
        })
        .await?,
        secrets_file: data_dir.join(SECRETS_FILE),
    };
    write_secrets(
        &demo.secrets_file,
        &[
            (Channel::Youtube.as_str(), standin::YOUTUBE_KEY),
            (Channel::Instagram.as_str(), standin::INSTAGRAM_TOKEN),
            (Channel::Tiktok.as_str(), tiktok::TOKEN),
        ],
    )?;
    demo_data::point_demo_jobs(pool, &demo.targets(), Utc::now()).await?;
    Ok(demo)
}

/// Writes `key = "secret"` lines to `path`, readable by its owner only (a file others may read
/// is refused by `ingest::credentials`). Written whole to a temporary file, then renamed.
fn write_secrets(path: &Path, secrets: &[(&str, &str)]) -> anyhow::Result<()> {
    let mut table = toml::Table::new();
    for (key, value) in secrets {
        table.insert(
            (*key).to_string(),
            toml::Value::String((*value).to_string()),
        );
    }
    let text = format!(
        "# The --demo stand-ins' keys (rewritten at each demo start).\n{}",
        toml::to_string(&table)?
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("toml.partial");
    let _ = std::fs::remove_file(&partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&partial)
        .map_err(|e| anyhow::anyhow!("demo secrets file {}: {e}", partial.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, path)
        .map_err(|e| anyhow::anyhow!("demo secrets file {}: {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secrets_file_is_owner_only_and_read_back_by_reference() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join(SECRETS_FILE);
        write_secrets(&path, &[("youtube", "k1"), ("tiktok", "t2")]).unwrap();
        // Written again over an existing file (the next demo start).
        write_secrets(&path, &[("youtube", "k3")]).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let config = serde_json::json!({"credential": {"file": path.display().to_string(), "key": "youtube"}});
        let secret = crate::ingest::credentials::for_config(&config)
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), "k3");
        let gone = serde_json::json!({"credential": {"file": path.display().to_string(), "key": "tiktok"}});
        assert!(crate::ingest::credentials::for_config(&gone).is_err());
    }
}
