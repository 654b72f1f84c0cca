//! The commands that talk to an ID service: `mint`, `validate` and `health`, sharing the
//! service settings and a client built from them.

mod diagnose;
pub mod flags;
pub mod health;
pub mod mint;
pub mod validate;
mod validate_report;

use std::path::PathBuf;
use std::time::Duration;

use chittyid_std::Client;
use clap::Args;

use crate::error::CliError;

/// Where the service is and how to reach it.
#[derive(Args, Debug, Clone)]
pub struct ServiceArgs {
    /// The service's base URL.
    #[arg(long, value_name = "URL", env = "CHITTYID_SERVICE_URL", default_value = chittyid_std::DEFAULT_SERVICE_URL)]
    pub service: String,
    /// Bearer token for minting.
    #[arg(long, env = "CHITTY_ID_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// One attempt's time-out, in seconds (0.001 to 3600).
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = flags::parse_timeout)]
    pub timeout: Duration,
    /// Also trust this CA certificate (PEM) for HTTPS.
    #[arg(long, value_name = "PEM")]
    pub ca: Option<PathBuf>,
}

impl ServiceArgs {
    /// A client for these settings (no background health monitor: commands are short).
    pub fn client(&self) -> Result<Client, CliError> {
        self.builder()?
            .build()
            .map_err(|e| CliError::Usage(e.to_string()))
    }

    /// The builder of [`ServiceArgs::client`], for a command that adds settings.
    pub fn builder(&self) -> Result<chittyid_std::ClientBuilder, CliError> {
        let mut builder = Client::builder()
            .service_url(self.service.clone())
            .attempt_timeout(self.timeout)
            .health_monitor(false);
        if let Some(token) = &self.token {
            builder = builder.token(token.clone());
        }
        if let Some(path) = &self.ca {
            let pem = std::fs::read(path).map_err(|e| CliError::io(path.display(), e))?;
            builder = builder.add_root_certificates_pem(&pem);
        }
        Ok(builder)
    }
}

/// A multi-threaded runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new().map_err(|e| CliError::io("tokio runtime", e))
}

/// The `q`-quantile of sorted milliseconds.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
