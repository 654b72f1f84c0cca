//! Prometheus for CI: the alert rules' unit tests (`promtool test rules`) and the
//! end-to-end test in which a real Prometheus scrapes a client (tests/ops_prometheus.rs),
//! both from Debian's `prometheus` package, installed when missing as QEMU is.

use crate::cmd::{cmd, ensure_installed, exec};

/// The variable that makes tests/ops_prometheus.rs fail, rather than skip, without the
/// `prometheus` binary.
pub const REQUIRE: &str = "CHITTYID_REQUIRE_PROMETHEUS";

/// Installs `prometheus` and `promtool` (one package) when either is missing.
pub fn ensure() -> Result<(), String> {
    ensure_installed("prometheus", "prometheus")?;
    ensure_installed("promtool", "prometheus")
}

/// Checks ops/alerts.yml and runs its unit tests, ops/alerts.test.yml.
pub fn check_rules() -> Result<(), String> {
    exec(cmd("promtool", &["check", "rules", "ops/alerts.yml"]))?;
    exec(cmd("promtool", &["test", "rules", "ops/alerts.test.yml"]))
}
