//! Reading Prometheus expressions in the operators' files (alert rules, the dashboard):
//! which of the client's metrics they name, so that a renamed metric breaks a test.

/// The client metric names (`chittyid_…`) an expression uses; recorded series
/// (`chittyid:…`) are not among them.
pub fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("chittyid_") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !name.contains(':')
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
        rest = &tail[end..];
    }
    names
}
