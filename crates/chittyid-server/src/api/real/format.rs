//! The real front's format rules, which are not the core parser's: eight `-`-separated
//! segments matching `\d{2}`, `[1-9]`, `[A-Z]{3}`, `\d{4}`, `[PLTEA]`, `\d{4}` (the
//! month is not checked), `[0-5]`, `\d{2}`, then the check value, each failure with the
//! real front's message; how it recognises a fallback ID (region `0`, `ERR`, sequence
//! 0-99 by `parseInt`); and JavaScript's `parseInt`, which it also uses for `trust`.

use chittyid::checksum;
use serde_json::{Value, json};

/// The eight segments of an ID that passed the rules.
pub(super) struct Segments<'a>([&'a str; 8]);

impl Segments<'_> {
    /// The segments as the real front names them in answers.
    pub(super) fn components(&self) -> Value {
        const NAMES: [&str; 8] = [
            "version",
            "region",
            "jurisdiction",
            "sequential",
            "entityType",
            "yearMonth",
            "trustLevel",
            "checksum",
        ];
        NAMES
            .iter()
            .zip(self.0)
            .map(|(name, segment)| (name.to_string(), Value::from(segment)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn one_of(s: &str, allowed: &[u8]) -> bool {
    matches!(s.as_bytes(), [b] if allowed.contains(b))
}

/// The real front's verdict on an ID text: its segments, or the reason it is invalid.
pub(super) fn check(id: &str) -> Result<Segments<'_>, String> {
    let parts: Vec<&str> = id.split('-').collect();
    let Ok(parts) = <[&str; 8]>::try_from(parts) else {
        return Err("Invalid format: must have 8 parts separated by hyphens".into());
    };
    let [
        version,
        region,
        jurisdiction,
        sequential,
        entity_type,
        year_month,
        trust,
        check,
    ] = parts;
    let rules: [(bool, &str); 8] = [
        (digits(version, 2), "Version must be 2 digits"),
        (one_of(region, b"123456789"), "Region must be 1 digit (1-9)"),
        (
            jurisdiction.len() == 3 && jurisdiction.bytes().all(|b| b.is_ascii_uppercase()),
            "Jurisdiction must be 3 uppercase letters",
        ),
        (digits(sequential, 4), "Sequential must be 4 digits"),
        (
            one_of(entity_type, b"PLTEA"),
            "Entity type must be P, L, T, E, or A",
        ),
        (digits(year_month, 4), "Year-Month must be 4 digits (YYMM)"),
        (one_of(trust, b"012345"), "Trust level must be 0-5"),
        (digits(check, 2), "Checksum must be 2 digits"),
    ];
    if let Some((_, message)) = rules.iter().find(|(ok, _)| !ok) {
        return Err((*message).to_string());
    }
    // Every byte of the body is now a digit or an upper-case letter.
    let body = &id[..id.len() - 3];
    let expected = checksum::compute(body).map_err(|e| e.to_string())?;
    let expected = format!("{expected:02}");
    if check != expected {
        return Err(format!(
            "Invalid checksum: expected {expected}, got {check}"
        ));
    }
    Ok(Segments(parts))
}

/// `true` for what the real front treats as a fallback ID: 8 segments, region `0`,
/// jurisdiction `ERR`, a sequence that `parseInt` reads as 0 to 99 (the check value is
/// not looked at).
pub(super) fn is_fallback(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 8
        && parts[1] == "0"
        && parts[2] == "ERR"
        && js_parse_int(parts[3]).is_some_and(|n| (0.0..=99.0).contains(&n))
}

/// JavaScript's `parseInt(text)`: leading white space, a sign, `0x` for hexadecimal,
/// then as many digits as there are; `None` (NaN) when there are none.
pub(super) fn js_parse_int(text: &str) -> Option<f64> {
    let text = text.trim_start();
    let (negative, text) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, text) = match text.get(..2) {
        Some("0x" | "0X") => (16, &text[2..]),
        _ => (10, text),
    };
    let mut value: Option<f64> = None;
    for c in text.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        value = Some(value.unwrap_or(0.0) * f64::from(radix) + f64::from(d));
    }
    value.map(|v| if negative { -v } else { v })
}

/// A `parseInt` result as JSON, as `JSON.stringify` writes it (NaN as `null`).
pub(super) fn js_number(value: Option<f64>) -> Value {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 => json!(v as i64),
        Some(v) if v.is_finite() => json!(v),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_fronts_rules() {
        assert!(check("03-1-USA-5537-P-2602-0-38").is_ok());
        assert_eq!(
            check("03-1-USA-5537-P-2602-0-39").err().unwrap(),
            "Invalid checksum: expected 38, got 39"
        );
        let month_13 = format!(
            "03-1-USA-5537-P-2613-0-{:02}",
            checksum::compute("03-1-USA-5537-P-2613-0").unwrap()
        );
        assert!(check(&month_13).is_ok(), "the month is not checked");
        assert_eq!(
            check("03-0-USA-5537-P-2602-0-38").err().unwrap(),
            "Region must be 1 digit (1-9)"
        );
        assert!(check("03-1-USA-5537-P-2602-0").is_err());
        assert!(check("03-1-usa-5537-P-2602-0-38").is_err());
        assert!(is_fallback("03-0-ERR-0001-T-2611-0-32"));
        assert!(is_fallback("03-0-ERR-0099-T-2611-0-00"));
        assert!(!is_fallback("03-0-ERR-0100-T-2611-0-32"));
        assert!(!is_fallback("03-1-ERR-0001-T-2611-0-32"));
    }

    #[test]
    fn parse_int_as_javascript_does() {
        assert_eq!(js_parse_int("3"), Some(3.0));
        assert_eq!(js_parse_int(" 4abc"), Some(4.0));
        assert_eq!(js_parse_int("-2"), Some(-2.0));
        assert_eq!(js_parse_int("0x1A"), Some(26.0));
        assert_eq!(js_parse_int("abc"), None);
        assert_eq!(js_parse_int(""), None);
        assert_eq!(js_number(Some(3.0)), json!(3));
        assert_eq!(js_number(None), Value::Null);
    }
}
