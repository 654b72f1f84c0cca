//! Parsers of the online commands' flag values, each refusing a bad value with the reason
//! (clap prints it after "invalid value 'X' for '--flag'").

use std::time::Duration;

use chittyid::Jurisdiction;

/// The shortest time-out accepted: the engine counts time in milliseconds.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);
/// The longest time-out accepted.
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// `--timeout SECONDS`: a decimal number of seconds from 0.001 (1 ms) to 3600.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| "not a number of seconds, e.g. 0.5 or 10".to_string())?;
    if seconds < MIN_TIMEOUT.as_secs_f64() {
        return Err("the time-out must be at least 0.001 seconds (1 ms)".to_string());
    }
    if seconds > MAX_TIMEOUT.as_secs_f64() {
        return Err("the time-out must be at most 3600 seconds".to_string());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `--jurisdiction XXX`: three letters (any case), an ISO 3166-1 alpha-3 code; `ERR` is
/// refused because it marks fallback IDs, which only the service hands out.
pub fn parse_jurisdiction(s: &str) -> Result<Jurisdiction, String> {
    let jurisdiction = <[u8; 3]>::try_from(s.to_ascii_uppercase().as_bytes())
        .ok()
        .and_then(Jurisdiction::new)
        .ok_or_else(|| "not three letters (an ISO 3166-1 alpha-3 code such as USA)".to_string())?;
    if jurisdiction.is_fallback_marker() {
        return Err(
            "ERR is reserved for fallback IDs, which only the service hands out; \
             give a country code such as USA"
                .to_string(),
        );
    }
    Ok(jurisdiction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_from_one_millisecond_to_an_hour() {
        assert_eq!(parse_timeout("0.001"), Ok(Duration::from_millis(1)));
        assert_eq!(parse_timeout("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout("3600"), Ok(Duration::from_secs(3600)));
        let too_short = Err("the time-out must be at least 0.001 seconds (1 ms)".to_string());
        for s in ["0", "-1", "0.0009", "-0"] {
            assert_eq!(parse_timeout(s), too_short, "{s}");
        }
        assert_eq!(
            parse_timeout("3600.5"),
            Err("the time-out must be at most 3600 seconds".to_string())
        );
        for s in ["", "ten", "inf", "NaN", "1e999"] {
            assert_eq!(
                parse_timeout(s),
                Err("not a number of seconds, e.g. 0.5 or 10".to_string()),
                "{s}"
            );
        }
    }

    #[test]
    fn jurisdictions_are_three_letters_and_not_the_fallback_marker() {
        assert_eq!(
            parse_jurisdiction("usa").map(|j| j.to_string()),
            Ok("USA".to_string())
        );
        for s in ["ERR", "err"] {
            let refused = parse_jurisdiction(s).unwrap_err();
            assert!(
                refused.starts_with("ERR is reserved for fallback IDs"),
                "{refused}"
            );
        }
        for s in ["US", "USA1", "U5A", "", "ÜSA"] {
            assert_eq!(
                parse_jurisdiction(s).map(|j| j.to_string()),
                Err("not three letters (an ISO 3166-1 alpha-3 code such as USA)".to_string()),
                "{s}"
            );
        }
    }
}

/// A `--rate`: a limit, or none (`off`).
#[derive(Debug, Clone, Copy)]
pub struct Rate(pub Option<chittyid_std::RateLimit>);

/// `--rate N/sec|N/min|N/hour` (a burst of N), or `off`: the client's own limit on
/// mint requests.
pub fn parse_rate(s: &str) -> Result<Rate, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("off") {
        return Ok(Rate(None));
    }
    let (count, unit) = s
        .split_once('/')
        .ok_or_else(|| "expected N/sec, N/min, N/hour or off, e.g. 10/sec".to_string())?;
    let count: u32 = count
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(|| "N must be a whole number from 1 to 1000000".to_string())?;
    let per = match unit.trim() {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        "h" | "hour" => Duration::from_secs(3600),
        other => return Err(format!("unit {other:?}: one of sec, min, hour")),
    };
    Ok(Rate(Some(chittyid_std::RateLimit::new(count, per))))
}
