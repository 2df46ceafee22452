//! The embedded default database: a private PostgreSQL cluster in a directory of ours.
//!
//! With no database configured, mpis-dash runs its own cluster from the PostgreSQL server
//! binaries found on the machine. It listens on a Unix socket inside the cluster directory only
//! (no TCP), is reused when already running, and is stopped on exit when this process started it.
//! PostgreSQL refuses to run as root, so as root the server runs as the `postgres` account.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::postgres::PgConnectOptions;

/// The database superuser created by `initdb` in a private cluster.
pub const CLUSTER_USER: &str = "mpis";
/// The port only names the socket file (`.s.PGSQL.<port>`); the cluster never listens on TCP.
pub const CLUSTER_PORT: u16 = 5432;
/// The account that runs the server when we are root.
const UNPRIVILEGED_ACCOUNT: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum PgLocalError {
    #[error(
        "no PostgreSQL server binaries found (looked for initdb, pg_ctl and postgres on PATH, in `pg_config --bindir` and /usr/lib/postgresql/*/bin). Install them, e.g. `apt-get install postgresql` (Debian/Ubuntu) or `dnf install postgresql-server`, or point mpis-dash at a database with --database-url / DATABASE_URL"
    )]
    BinariesNotFound,
    #[error(
        "running as root, but the unprivileged account `postgres` that must run the server does not exist; create it (`useradd --system postgres`) or run mpis-dash as a normal user"
    )]
    NoUnprivilegedAccount,
    #[error(
        "the embedded cluster in {cluster} runs as `{account}` (PostgreSQL refuses root), which cannot enter {closed}: choose a data dir outside it (e.g. --data-dir /var/lib/mpis-dash, or MPIS_DASH_DATA_DIR) or let other accounts enter it with `chmod o+x {closed}`"
    )]
    FolderClosed {
        cluster: PathBuf,
        account: String,
        closed: PathBuf,
    },
    #[error("{action} failed for the cluster in {dir}: {detail}")]
    Command {
        action: &'static str,
        dir: PathBuf,
        detail: String,
    },
    #[error("cannot prepare {dir}: {source}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How the cluster trades durability for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// The operator's real data: fsync on (never lose a publish record).
    Durable,
    /// Throwaway clusters for tests and benchmarks: fsync off, starts in well under a second.
    Throwaway,
}

/// A private cluster: `root/data` is PGDATA and also holds the socket.
#[derive(Debug)]
pub struct LocalCluster {
    root: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<String>,
    started_here: bool,
}

impl LocalCluster {
    /// Initializes the cluster under `root` when missing and starts it unless it already runs.
    pub fn ensure(root: &Path, durability: Durability) -> Result<LocalCluster, PgLocalError> {
        let bin_dir = find_server_binaries().ok_or(PgLocalError::BinariesNotFound)?;
        let run_as = if is_root() {
            if !account_exists(UNPRIVILEGED_ACCOUNT) {
                return Err(PgLocalError::NoUnprivilegedAccount);
            }
            Some(UNPRIVILEGED_ACCOUNT.to_string())
        } else {
            None
        };
        let mut cluster = LocalCluster {
            root: root.to_path_buf(),
            bin_dir,
            run_as,
            started_here: false,
        };
        cluster.prepare_dirs()?;
        if !cluster.data_dir().join("PG_VERSION").exists() {
            cluster.initdb()?;
        }
        if !cluster.is_running() {
            cluster.start(durability)?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The directory holding the Unix socket (the data dir itself).
    pub fn socket_dir(&self) -> PathBuf {
        self.data_dir()
    }

    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Connection options for `database` over the private socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(self.socket_dir())
            .port(CLUSTER_PORT)
            .username(CLUSTER_USER)
            .database(database)
    }

    /// A `postgres://` URL for the same socket (for tools and child processes).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{CLUSTER_USER}@localhost:{CLUSTER_PORT}/{database}?host={}",
            self.socket_dir().display()
        )
    }

    pub fn is_running(&self) -> bool {
        self.pg_ctl(&["status", "-D"], &[])
            .map(|out| out.status.success())
            .unwrap_or(false)
    }

    /// Stops the server (fast shutdown: sessions are ended, data is flushed).
    pub fn stop(&mut self) -> Result<(), PgLocalError> {
        let out = self.pg_ctl(&["stop", "-m", "fast", "-w", "-D"], &[])?;
        self.started_here = false;
        check(out, "pg_ctl stop", &self.root)
    }

    /// Stops the server only if this process started it, so a cluster shared with another
    /// running mpis-dash is left alone.
    pub fn stop_if_started_here(&mut self) -> Result<(), PgLocalError> {
        if self.started_here {
            self.stop()
        } else {
            Ok(())
        }
    }

    fn prepare_dirs(&self) -> Result<(), PgLocalError> {
        let io = |source| PgLocalError::Io {
            dir: self.root.clone(),
            source,
        };
        std::fs::create_dir_all(self.data_dir()).map_err(io)?;
        set_mode_700(&self.root).map_err(io)?;
        set_mode_700(&self.data_dir()).map_err(io)?;
        if let Some(account) = &self.run_as {
            check_reachable(&self.root, account)?;
            chown_tree(&self.root, account)?;
        }
        Ok(())
    }

    fn initdb(&self) -> Result<(), PgLocalError> {
        let locale = if c_utf8_locale_available() {
            "--locale=C.UTF-8"
        } else {
            "--locale=C"
        };
        let args: Vec<OsString> = vec![
            "-D".into(),
            self.data_dir().into(),
            "-U".into(),
            CLUSTER_USER.into(),
            // Only our own account can reach the socket directory (mode 700), so trust is safe.
            "--auth=trust".into(),
            "--encoding=UTF8".into(),
            locale.into(),
            "--no-sync".into(),
        ];
        let out = self.run(&self.bin_dir.join("initdb"), &args)?;
        check(out, "initdb", &self.root)
    }

    fn start(&self, durability: Durability) -> Result<(), PgLocalError> {
        let mut server_opts = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {CLUSTER_PORT} -c max_connections=100",
            self.socket_dir().display()
        );
        if durability == Durability::Throwaway {
            server_opts.push_str(
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB \
                 -c max_wal_size=8GB -c checkpoint_timeout=1h",
            );
        }
        let log = self.root.join("postgres.log");
        let extra: Vec<OsString> = vec![
            "-l".into(),
            log.clone().into(),
            "-w".into(),
            "-t".into(),
            "60".into(),
            "-o".into(),
            server_opts.into(),
        ];
        let out = self.pg_ctl(&["start", "-D"], &extra)?;
        if out.status.success() {
            return Ok(());
        }
        let tail = std::fs::read_to_string(&log)
            .map(|text| last_lines(&text, 5))
            .unwrap_or_default();
        Err(PgLocalError::Command {
            action: "pg_ctl start",
            dir: self.root.clone(),
            detail: format!("{}\n{tail}", output_text(&out)),
        })
    }

    /// `pg_ctl <leading> <data dir> <trailing>`.
    fn pg_ctl(&self, leading: &[&str], trailing: &[OsString]) -> Result<Output, PgLocalError> {
        let mut args: Vec<OsString> = leading.iter().map(OsString::from).collect();
        args.push(self.data_dir().into());
        args.extend(trailing.iter().cloned());
        self.run(&self.bin_dir.join("pg_ctl"), &args)
    }

    fn run(&self, program: &Path, args: &[OsString]) -> Result<Output, PgLocalError> {
        let mut command = match &self.run_as {
            Some(account) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(account).arg("--").arg(program);
                c
            }
            None => Command::new(program),
        };
        command
            .args(args)
            .current_dir(&self.root)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|source| PgLocalError::Io {
                dir: self.root.clone(),
                source,
            })
    }
}

/// Every exit path (error, signal, panic unwinding) stops a cluster this process started.
impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Err(err) = self.stop_if_started_here() {
            tracing::warn!("could not stop the embedded cluster: {err}");
        }
    }
}

/// Finds a directory holding `initdb`, `pg_ctl` and `postgres`: PATH first, then
/// `pg_config --bindir`, then the newest `/usr/lib/postgresql/*/bin`.
pub fn find_server_binaries() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versioned.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    candidates.extend(versioned.into_iter().map(|(_, p)| p));
    first_with_server_binaries(candidates)
}

/// The first directory holding all three server binaries. A PATH entry may be a wrapper dir
/// (Debian's /usr/bin has pg_ctl but not postgres), so each must have them all.
fn first_with_server_binaries(candidates: Vec<PathBuf>) -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    candidates.into_iter().find(|d| has_all(d))
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn account_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn c_utf8_locale_available() -> bool {
    Command::new("locale")
        .arg("-a")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.eq_ignore_ascii_case("C.UTF-8") || l.eq_ignore_ascii_case("C.utf8"))
        })
        .unwrap_or(false)
}

fn set_mode_700(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// As root, before initdb: every folder above the cluster must be enterable by `account`,
/// else a clear error names the first one that is not (and what to do).
fn check_reachable(cluster: &Path, account: &str) -> Result<(), PgLocalError> {
    // An account we cannot look up: let initdb report what it finds.
    let Some(ids) = account_ids(account) else {
        return Ok(());
    };
    match first_closed_above(cluster, &ids) {
        Some(closed) => Err(PgLocalError::FolderClosed {
            cluster: cluster.to_path_buf(),
            account: account.to_string(),
            closed,
        }),
        None => Ok(()),
    }
}

/// The first folder above `path` (from `/` down) that `account` cannot enter; folders whose
/// metadata cannot be read are skipped (the server's own error will tell).
pub fn first_closed_above(
    path: &Path,
    account: &crate::domain::folder_access::Account,
) -> Option<PathBuf> {
    use crate::domain::folder_access::{Folder, first_closed};
    use std::os::unix::fs::MetadataExt;
    let absolute = std::path::absolute(path).ok()?;
    let mut above: Vec<&Path> = absolute.ancestors().skip(1).collect();
    above.reverse();
    let folders: Vec<Folder> = above
        .into_iter()
        .filter_map(|dir| {
            let meta = std::fs::metadata(dir).ok()?;
            Some(Folder {
                path: dir.to_path_buf(),
                mode: meta.mode(),
                uid: meta.uid(),
                gid: meta.gid(),
            })
        })
        .collect();
    first_closed(&folders, account).map(|folder| folder.path.clone())
}

/// `account`'s user id and groups (`id -u`, `id -G`).
fn account_ids(account: &str) -> Option<crate::domain::folder_access::Account> {
    let id = |flag: &str| {
        Command::new("id")
            .arg(flag)
            .arg(account)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let uid = id("-u")?.trim().parse().ok()?;
    let gids = id("-G")?
        .split_whitespace()
        .filter_map(|g| g.parse().ok())
        .collect();
    Some(crate::domain::folder_access::Account { uid, gids })
}

fn chown_tree(root: &Path, account: &str) -> Result<(), PgLocalError> {
    let out = Command::new("chown")
        .arg("-R")
        .arg(format!("{account}:"))
        .arg(root)
        .output()
        .map_err(|source| PgLocalError::Io {
            dir: root.to_path_buf(),
            source,
        })?;
    check(out, "chown", root)
}

fn check(out: Output, action: &'static str, dir: &Path) -> Result<(), PgLocalError> {
    if out.status.success() {
        Ok(())
    } else {
        Err(PgLocalError::Command {
            action,
            dir: dir.to_path_buf(),
            detail: output_text(&out),
        })
    }
}

fn output_text(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    last_lines(text.trim(), 8)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_server_binaries_of_this_machine() {
        let dir = find_server_binaries().expect("PostgreSQL server binaries on this image");
        assert!(dir.join("postgres").is_file());
    }

    #[test]
    fn a_directory_needs_all_three_server_binaries() {
        let root = tempfile::tempdir().unwrap();
        let wrappers = root.path().join("usr-bin");
        let server = root.path().join("pg-bin");
        for (dir, names) in [
            (&wrappers, &["pg_ctl", "psql"][..]),
            (&server, &["initdb", "pg_ctl", "postgres"][..]),
        ] {
            std::fs::create_dir_all(dir).unwrap();
            for name in names {
                std::fs::write(dir.join(name), "").unwrap();
            }
        }
        assert_eq!(
            first_with_server_binaries(vec![wrappers.clone(), server.clone()]),
            Some(server)
        );
        assert_eq!(first_with_server_binaries(vec![wrappers]), None);
    }

    #[test]
    fn without_binaries_the_message_names_the_package_to_install() {
        let text = PgLocalError::BinariesNotFound.to_string();
        assert!(text.contains("apt-get install postgresql"), "{text}");
        assert!(text.contains("DATABASE_URL"), "{text}");
    }

    #[test]
    fn a_private_folder_above_the_cluster_is_named_and_an_open_path_passes() {
        use crate::domain::folder_access::Account;
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let private = tmp.path().join("home");
        let cluster = private.join("data/postgres");
        std::fs::create_dir_all(&cluster).unwrap();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
        // An account that owns nothing here and is in no group of these folders.
        let stranger = Account {
            uid: 4_000_123,
            gids: vec![4_000_123],
        };
        assert_eq!(
            first_closed_above(&cluster, &stranger),
            Some(private.clone())
        );
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o701)).unwrap();
        assert_eq!(first_closed_above(&cluster, &stranger), None);
        // Its own folder's mode does not matter (it is chowned to the account).
        std::fs::set_permissions(&cluster, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(first_closed_above(&cluster, &stranger), None);
        let err = PgLocalError::FolderClosed {
            cluster: cluster.clone(),
            account: "postgres".into(),
            closed: private.clone(),
        }
        .to_string();
        assert!(
            err.contains(&format!("cannot enter {}", private.display()))
                && err.contains("--data-dir /var/lib/mpis-dash")
                && err.contains(&format!("chmod o+x {}", private.display())),
            "{err}"
        );
    }

    #[test]
    fn last_lines_keeps_the_tail() {
        assert_eq!(last_lines("a\nb\nc", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
    }
}
