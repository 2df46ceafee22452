//! Documents generated from the command-line definition itself, so they never drift from it:
//! shell completions (`mpis-dash completions SHELL`, clap_complete) and the man page
//! (`mpis-dash man`, clap_mangen; shipped as `assets/mpis-dash.1`).

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;

/// The binary's name as completions and the man page call it.
pub const BIN: &str = "mpis-dash";

/// The completion script for `shell` (generated into memory: clap_complete panics when its
/// writer fails, e.g. stdout closed by `| head`).
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    script
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) is no error.
pub fn print(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The man page (roff), the top-level command with its subcommands listed.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands_and_flags() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::Elvish,
            clap_complete::Shell::PowerShell,
        ] {
            let script = String::from_utf8(completions(shell)).expect("utf-8");
            for word in ["serve", "read-only", "completions", "config"] {
                assert!(script.contains(word), "{shell}: no {word}");
            }
        }
    }

    #[test]
    fn the_man_page_names_the_program_and_its_commands() {
        let page = String::from_utf8(man_page().expect("render")).expect("utf-8");
        assert!(page.starts_with(".ie"), "{}", &page[..page.len().min(200)]);
        assert!(page.contains(".TH mpis-dash 1"), "{page}");
        for word in ["serve", "completions", "\\-\\-read\\-only"] {
            assert!(page.contains(word), "no {word}");
        }
    }
}
