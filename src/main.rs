use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use mpis_dash::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    // On Ctrl-C / SIGTERM / SIGHUP the command's future is dropped, which closes the database
    // and stops an embedded cluster this process started.
    let cli = Cli::parse();
    // Before any TLS connection (reqwest panics without a process-wide provider).
    mpis_dash::tls::ensure_crypto_provider();
    // `serve` stops gracefully on its own signals (in-flight requests finish first).
    let outcome = if matches!(cli.command, Some(cli::Command::Serve { .. })) {
        cli::run(cli).await
    } else {
        tokio::select! {
            outcome = cli::run(cli) => outcome,
            signal = shutdown_signal() => Err(anyhow::anyhow!("interrupted by {signal}")),
        }
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            // Not eprintln!: with the terminal gone a failed write must not panic.
            let _ = writeln!(std::io::stderr(), "mpis-dash: {err}");
            cli::exit_code_for(&err)
        }
    }
}

async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        let _ = tokio::signal::ctrl_c().await;
        return "Ctrl-C";
    };
    let signal = tokio::select! {
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
        _ = term.recv() => "SIGTERM",
        _ = hup.recv() => "SIGHUP",
    };
    // Before the command's future is dropped (and with it the dashboard's terminal).
    mpis_dash::hangup::detach_from_hung_up_terminal();
    signal
}
