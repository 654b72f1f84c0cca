//! The baseline: what the JavaScript service does to check an ID, in Rust. It splits on
//! `-` into an array, matches each of the eight segments against its own regex, then
//! computes the mod-97 value with a per-character loop.

use regex::Regex;

pub struct RegexValidator {
    segments: [Regex; 8],
}

impl RegexValidator {
    pub fn new() -> RegexValidator {
        let re = |pattern: &str| Regex::new(pattern).expect("baseline pattern compiles");
        RegexValidator {
            segments: [
                re(r"^[0-9]{2}$"),
                re(r"^[0-9]$"),
                re(r"^[A-Z]{3}$"),
                re(r"^[0-9]{4}$"),
                re(r"^[PLTEA]$"),
                re(r"^[0-9]{4}$"),
                re(r"^[0-5]$"),
                re(r"^[0-9]{2}$"),
            ],
        }
    }

    /// `true` when the ID has eight matching segments and a correct check value.
    pub fn is_valid(&self, id: &str) -> bool {
        let parts: Vec<&str> = id.split('-').collect();
        if parts.len() != 8 {
            return false;
        }
        if !parts
            .iter()
            .zip(&self.segments)
            .all(|(p, re)| re.is_match(p))
        {
            return false;
        }
        let mut r: u32 = 0;
        for c in parts[..7].iter().flat_map(|p| p.chars()) {
            r = match c {
                '0'..='9' => (r * 10 + (c as u32 - '0' as u32)) % 97,
                _ => (r * 100 + (c as u32 - 'A' as u32 + 10)) % 97,
            };
        }
        let check: u32 = parts[7].parse().unwrap_or(u32::MAX);
        (98 - r) % 97 == check
    }
}
