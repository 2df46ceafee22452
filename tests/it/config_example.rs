//! `assets/config.example.toml`, the commented example shipped with mpis-dash, stays a valid
//! configuration whose values are the defaults it claims to show.

use mpis_dash::config::{Config, Overrides};
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::tui::keymap::{Action, Keymap};
use mpis_dash::tui::theme::{Theme, ThemeConfig};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[test]
fn the_example_config_loads_and_shows_the_defaults() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/config.example.toml");
    let config = Config::load(&Overrides {
        config_path: Some(path.clone()),
        ..Overrides::default()
    })
    .expect("the example config loads");
    assert_eq!(config.config_file.as_deref(), Some(path.as_path()));
    assert_eq!(config.refresh_interval_secs, 5);
    assert_eq!(config.thresholds, Thresholds::default());
    // Every threshold is shown, the newest too (a default left out would still compare equal).
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\ningestion_failures_in_a_row = 3 "),
        "{text}"
    );
    assert_eq!(config.theme, ThemeConfig::default());
    assert_eq!(config.color_depth, "auto");
    assert_eq!(config.ascii, None);
    assert_eq!(config.environment, None);
    // The example's production entry says what the defaults are anyway.
    let production = mpis_dash::domain::environment::resolve("production", &config.environments);
    assert_eq!(
        production,
        mpis_dash::domain::environment::resolve("production", &Default::default())
    );
    assert!(config.keys.is_empty() && config.database_url.is_none());
    assert!(config.channels.is_empty());
    assert_eq!(config.listen, mpis_dash::config::DEFAULT_LISTEN);
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.request_timeout_secs, 30);
    assert_eq!(config.body_limit_bytes, 1024 * 1024);
    assert_eq!(config.rate_limit_per_sec, 50);
    assert_eq!(config.rate_limit_burst, 100);
    assert!(config.cors_origins.is_empty());
    assert!(config.n8n_webhook_url.is_none() && config.n8n_api_key.is_none());
    assert_eq!(config.n8n_dispatch_attempts, 5);
    assert_eq!(config.n8n_timeout_secs, 10);
    assert_eq!(config.publish_forward_budget_ms, 2000);
    assert_eq!(
        config.timezone,
        mpis_dash::domain::time_zone::DisplayZone::Utc
    );
    assert_eq!(config.alerts, mpis_dash::config::AlertsConfig::default());
    assert!(config.mouse);
    for line in [
        "\ntimezone = \"UTC\"",
        "\nmouse = true",
        "\nbell = true",
        "\ndesktop = \"osc9\"",
        "\nmin_interval_secs = 60",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert_eq!(config.evaluator_interval_secs, 5);
    assert_eq!(config.ingest_lookback_hours, 24);
    assert!(Keymap::with_overrides(&config.keys).is_ok());
    assert_eq!(
        Theme::from_config(&config.theme, false).expect("theme"),
        Theme::default()
    );

    // Its commented examples are valid once uncommented.
    let uncommented = std::fs::read_to_string(&path)
        .expect("read the example")
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) if rest.contains(" = ") && !rest.contains("...") => rest.to_string(),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("config.toml");
    std::fs::write(&file, uncommented).expect("write");
    let config = Config::load(&Overrides {
        config_path: Some(file),
        ..Overrides::default()
    })
    .expect("the uncommented example loads");
    assert_eq!(config.operator, "alice");
    assert_eq!(config.default_layout.as_deref(), Some("On-call"));
    assert_eq!(config.channels, ["telegram_demo", "mastodon"]);
    assert_eq!(
        config.n8n_webhook_url.as_deref(),
        Some("http://127.0.0.1:5678/webhook")
    );
    let keymap = Keymap::with_overrides(&config.keys).expect("its key overrides are valid");
    let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
    assert_eq!(keymap.action(&f5), Some(Action::Refresh));
    Theme::from_config(&config.theme, false).expect("its colours are valid");
    assert_eq!(config.theme.name.as_deref(), Some("dark"));
    assert_eq!(config.ascii, Some(true));
    assert_eq!(config.environment.as_deref(), Some("staging"));
    assert_eq!(
        config.environments["production"].theme.as_deref(),
        Some("high-contrast")
    );
}
