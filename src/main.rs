use std::process::ExitCode;

use clap::Parser;
use mpis_dash::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MPIS_DASH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run(Cli::parse()).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("mpis-dash: {err:#}");
            ExitCode::FAILURE
        }
    }
}
