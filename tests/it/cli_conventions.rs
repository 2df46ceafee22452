//! The real binary's conventions: `--version`, shell completions, the man page (and the shipped
//! `assets/mpis-dash.1` kept equal to it), `config` (paths, redacted effective config,
//! `--schema`, `init`), and log lines without colour codes into a pipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mpis_dash::config::{Config, Overrides};
use mpis_dash::scratch_db::ScratchDb;

/// The binary with a config of its own (`MPIS_DASH_CONFIG`) and no inherited secrets.
fn mpis_dash(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mpis-dash"));
    command
        .args(args)
        .env("MPIS_DASH_CONFIG", "/dev/null")
        .env_remove("DATABASE_URL")
        .env_remove("MPIS_API_KEY")
        .env_remove("ADMIN_PASSWORD")
        .env_remove("MPIS_DASH_N8N_API_KEY")
        .env_remove("MPIS_DASH_DATA_DIR");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("run mpis-dash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name)
}

#[test]
fn version_prints_the_name_and_version_with_either_flag() {
    for flag in ["--version", "-V"] {
        let out = mpis_dash(&[flag], &[]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            format!("mpis-dash {}\n", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
    }
}

#[test]
fn completions_for_every_shell_name_real_commands_and_flags_and_bash_parses_its_own() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = mpis_dash(&["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for word in ["serve", "read-only", "demo-data", "completions", "schema"] {
            assert!(script.contains(word), "{shell}'s script lacks {word}");
        }
        if shell == "bash" && Command::new("bash").arg("--version").output().is_ok() {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("mpis-dash.bash");
            std::fs::write(&file, &script).unwrap();
            let parsed = Command::new("bash").arg("-n").arg(&file).output().unwrap();
            assert!(parsed.status.success(), "{}", text(&parsed.stderr));
        }
    }
    let out = mpis_dash(&["completions", "tcsh"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("invalid value 'tcsh'")
            && stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{stderr}"
    );
}

/// `UPDATE_ASSETS=1 cargo test --test it -- cli_conventions` rewrites the shipped page.
#[test]
fn the_shipped_man_page_is_the_one_the_binary_generates() {
    let out = mpis_dash(&["man"], &[("MPIS_DASH_OPERATOR", "someone")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains(".TH mpis-dash 1"), "{page}");
    assert!(page.contains("\\-\\-read\\-only") && page.contains("completions"));
    assert!(
        !page.contains("someone"),
        "no environment value in the page"
    );
    let shipped = asset("mpis-dash.1");
    if std::env::var_os("UPDATE_ASSETS").is_some_and(|v| v == "1") {
        std::fs::write(&shipped, &page).unwrap();
    }
    let on_disk = std::fs::read_to_string(&shipped).unwrap_or_default();
    assert!(
        on_disk == page,
        "assets/mpis-dash.1 is stale: run UPDATE_ASSETS=1 cargo test --test it -- cli_conventions"
    );
}

/// The config file's JSON Schema, compiled by an independent validator.
fn schema() -> (boon::Schemas, boon::SchemaIndex) {
    let out = mpis_dash(&["config", "--schema"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("file:///mpis-dash/config.schema.json", schema)
        .expect("add");
    let index = compiler
        .compile("file:///mpis-dash/config.schema.json", &mut schemas)
        .expect("the schema compiles");
    (schemas, index)
}

fn toml_as_json(text: &str) -> serde_json::Value {
    toml::from_str(text).expect("TOML")
}

#[test]
fn the_schema_accepts_the_example_config_and_rejects_unknown_keys_and_wrong_types() {
    let (schemas, index) = schema();
    let example = std::fs::read_to_string(asset("config.example.toml")).unwrap();
    let example = toml_as_json(&example);
    let valid = schemas.validate(&example, index);
    assert!(valid.is_ok(), "{valid:?}");
    let rejected = [
        "databse_url = \"postgres://x/db\"\n",
        "refresh_interval_secs = \"5\"\n",
        "refresh_interval_secs = -1\n",
        "[red_flags]\nfailed_runs_warning_pct = \"ten\"\n",
        "[red_flags]\nrun_timeout = \"6 hours\"\n",
        "[theme]\nmonochrome = \"yes\"\n",
        "[analyst]\nllm_token = \"x\"\n",
        "channels = \"telegram\"\n",
    ];
    for bad in rejected {
        assert!(
            schemas.validate(&toml_as_json(bad), index).is_err(),
            "accepted: {bad}"
        );
        // The schema agrees with the loader.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, bad).unwrap();
        assert!(
            Config::load(&Overrides {
                config_path: Some(path),
                data_dir: Some(dir.path().into()),
                ..Overrides::default()
            })
            .is_err(),
            "the loader accepts {bad}"
        );
    }
}

#[test]
fn config_shows_the_paths_and_the_effective_config_with_every_secret_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "mpis_api_key = \"mpis-key-s3cret\"\nn8n_api_key = \"n8n-key-s3cret\"\nrefresh_interval_secs = 7\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let out = mpis_dash(
        &["config"],
        &[
            ("MPIS_DASH_CONFIG", file.to_str().unwrap()),
            ("MPIS_DASH_DATA_DIR", data.to_str().unwrap()),
            (
                "DATABASE_URL",
                "postgres://alice:db-pass-s3cret@db.internal/mpis",
            ),
            ("ADMIN_PASSWORD", "admin-s3cret"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(!shown.contains("s3cret"), "a secret leaked:\n{shown}");
    for line in [
        format!("# config file:      {}\n", file.display()),
        format!("# data dir:         {}\n", data.display()),
        format!(
            "# log file:         {}",
            data.join("mpis-dash.log").display()
        ),
        format!(
            "# embedded cluster: {} (not used: database_url is set)\n",
            data.join("postgres").display()
        ),
        "# ADMIN_PASSWORD:   [redacted]".to_string(),
        "database_url = \"postgres://alice:[redacted]@db.internal/mpis\"\n".to_string(),
        "mpis_api_key = \"[redacted]\"\n".to_string(),
        "n8n_api_key = \"[redacted]\"\n".to_string(),
        "refresh_interval_secs = 7\n".to_string(),
        "[red_flags]\n".to_string(),
    ] {
        assert!(shown.contains(&line), "no {line:?} in\n{shown}");
    }
    // What it prints is itself a valid config file.
    let (schemas, index) = schema();
    let effective = toml_as_json(&shown);
    let valid = schemas.validate(&effective, index);
    assert!(valid.is_ok(), "{valid:?}\n{shown}");

    // A config file that is not there is said so, and how to make one.
    let missing = dir.path().join("none/config.toml");
    let out = mpis_dash(
        &["config", "--config", missing.to_str().unwrap()],
        &[("MPIS_DASH_DATA_DIR", data.to_str().unwrap())],
    );
    assert!(
        !out.status.success(),
        "an explicit missing file is an error"
    );
    assert!(text(&out.stderr).contains(missing.to_str().unwrap()));
}

#[test]
fn config_init_writes_the_example_once_then_only_with_force() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/config.toml");
    let init = |extra: &[&str]| {
        let mut args = vec!["config", "--config", path.to_str().unwrap(), "init"];
        args.extend_from_slice(extra);
        mpis_dash(&args, &[])
    };
    let out = init(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("wrote {}\n", path.display()));
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        std::fs::read_to_string(asset("config.example.toml")).unwrap()
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let config = Config::load(&Overrides {
        config_path: Some(path.clone()),
        data_dir: Some(dir.path().into()),
        ..Overrides::default()
    })
    .expect("the written file loads");
    assert_eq!(config.config_file.as_deref(), Some(path.as_path()));

    std::fs::write(&path, "operator = \"mine\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let again = init(&[]);
    assert_eq!(again.status.code(), Some(1));
    let stderr = text(&again.stderr);
    assert!(
        stderr.contains(&format!("{} already exists", path.display()))
            && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "operator = \"mine\"\n",
        "left as it was"
    );

    let forced = init(&["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "an overwritten file is owner-only too");
}

#[tokio::test]
async fn log_lines_into_a_pipe_carry_no_colour_codes() {
    // A database outside UTC makes `status` log a warning on stderr.
    let db = ScratchDb::with_time_zone("Asia/Kolkata").await.unwrap();
    let url = db.url();
    for no_color in [None, Some("1")] {
        let mut envs = vec![("DATABASE_URL", url.as_str())];
        if let Some(value) = no_color {
            envs.push(("NO_COLOR", value));
        }
        let out = mpis_dash(&["status"], &envs);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("WARN") && stderr.contains("Asia/Kolkata"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("\x1b["),
            "colour codes in a pipe: {stderr:?}"
        );
    }
}

/// The other side of the rule: on a terminal the same warning is coloured, unless NO_COLOR.
#[tokio::test]
async fn log_lines_on_a_terminal_are_coloured_unless_no_color() {
    use crate::tmux_common::Tmux;
    let db = ScratchDb::with_time_zone("Asia/Kolkata").await.unwrap();
    for (no_color, coloured) in [("", true), ("1", false)] {
        let command = format!(
            "env -u DATABASE_URL NO_COLOR={no_color} MPIS_DASH_CONFIG=/dev/null {} status --database-url '{}' >/dev/null; echo EXIT=$?; sleep 60",
            env!("CARGO_BIN_EXE_mpis-dash"),
            db.url()
        );
        let tmux = Tmux::start(&command, (200, 20));
        assert_eq!(tmux.wait_for_exit(std::time::Duration::from_secs(30)), 0);
        let screen = tmux.run(&["capture-pane", "-e", "-p", "-t", "app"]);
        let warning = screen
            .lines()
            .find(|line| line.contains("Asia/Kolkata"))
            .unwrap_or_else(|| panic!("no warning on the screen:\n{screen}"));
        assert_eq!(
            warning.contains("\x1b["),
            coloured,
            "NO_COLOR={no_color:?}: {warning:?}"
        );
    }
}
