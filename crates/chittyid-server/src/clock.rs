//! Wall-clock facts the service needs: the current year-month for minting, and times
//! in milliseconds and RFC 3339 for answers.

use std::time::{SystemTime, UNIX_EPOCH};

use chittyid::YearMonth;

/// Milliseconds since the Unix epoch.
pub fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The civil date (year, month, day) of a day count since 1970-01-01 (proleptic
/// Gregorian calendar; the well-known days-to-civil conversion).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The year and month now, in UTC, as minted IDs carry them.
pub fn current_year_month() -> YearMonth {
    let days = (unix_millis() / 86_400_000) as i64;
    let (year, month, _) = civil_from_days(days);
    YearMonth::new(year.rem_euclid(100) as u8, month as u8)
        .expect("the calendar gives a month 1-12 and a two-digit year")
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a time in Unix milliseconds.
pub fn rfc3339(millis: u64) -> String {
    let days = (millis / 86_400_000) as i64;
    let (year, month, day) = civil_from_days(days);
    let ms_of_day = millis % 86_400_000;
    let (h, m, s, ms) = (
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
        assert_eq!(civil_from_days(20_512), (2026, 2, 28));
        assert_eq!(rfc3339(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
    }
}
