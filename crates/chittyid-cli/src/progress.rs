//! Progress lines on standard error, shown only on a terminal: bytes for long checks,
//! and IDs for `mint --count`, with the rate limit's wait.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Files smaller than this finish too fast for a progress line to help.
const MIN_SIZE: u64 = 16 * 1024 * 1024;
const EVERY: Duration = Duration::from_millis(200);

pub struct Progress {
    total: u64,
    last: Option<Instant>,
    shown: bool,
}

impl Progress {
    /// A progress line for an input of `total` bytes, or a silent one when standard error
    /// is not a terminal or the size is small or unknown.
    pub fn new(total: Option<u64>) -> Progress {
        let wanted = std::io::stderr().is_terminal() && total.is_some_and(|t| t >= MIN_SIZE);
        Progress {
            total: total.unwrap_or(0),
            last: wanted.then(Instant::now),
            shown: false,
        }
    }

    pub fn update(&mut self, done: u64) {
        let Some(last) = self.last else { return };
        if last.elapsed() < EVERY {
            return;
        }
        self.last = Some(Instant::now());
        self.shown = true;
        let share = done.min(self.total) as f64 / self.total.max(1) as f64;
        let width = 30;
        let filled = (share * width as f64) as usize;
        eprint!(
            "\r[{}{}] {:5.1}%  {:.1} / {:.1} MB",
            "#".repeat(filled),
            " ".repeat(width - filled),
            share * 100.0,
            done as f64 / 1e6,
            self.total as f64 / 1e6
        );
        let _ = std::io::stderr().flush();
    }

    pub fn finish(&mut self) {
        if self.shown {
            eprint!("\r{:70}\r", "");
            self.shown = false;
        }
    }
}

/// A progress line for `mint --count N`: how many are done, and how long until the
/// last mint announced as waiting for the client's rate limit may go. Silent unless standard error is a terminal and
/// more than one ID is asked for.
pub struct CountProgress {
    total: u32,
    shown: bool,
    enabled: bool,
    /// When the last rate-limit wait announced ends.
    waiting_until: Option<Instant>,
}

impl CountProgress {
    pub fn new(total: u32) -> CountProgress {
        CountProgress {
            total,
            shown: false,
            enabled: total > 1 && std::io::stderr().is_terminal(),
            waiting_until: None,
        }
    }

    /// A mint waits this long for the rate limit.
    pub fn waiting(&mut self, wait: Duration) {
        let until = Instant::now() + wait;
        self.waiting_until = Some(self.waiting_until.map_or(until, |u| u.max(until)));
    }

    pub fn show(&mut self, done: u32) {
        if !self.enabled {
            return;
        }
        let wait = self
            .waiting_until
            .map(|until| until.saturating_duration_since(Instant::now()));
        eprint!("\r{}", count_line(done, self.total, wait));
        self.shown = true;
        let _ = std::io::stderr().flush();
    }

    pub fn clear(&mut self) {
        if self.shown {
            eprint!("\r{:78}\r", "");
            self.shown = false;
        }
    }
}

/// The line: a bar, the count, and the rate limit's wait while there is one.
fn count_line(done: u32, total: u32, wait: Option<Duration>) -> String {
    let width = 30;
    let filled = (u64::from(done.min(total)) * width / u64::from(total.max(1))) as usize;
    let mut line = format!(
        "[{}{}] {done}/{total}",
        "#".repeat(filled),
        " ".repeat(width as usize - filled)
    );
    if let Some(wait) = wait.filter(|w| !w.is_zero()) {
        line.push_str(&format!(
            "  waiting {:.1} s for the rate limit",
            wait.as_secs_f64()
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_line_shows_the_rate_limit_wait_only_while_there_is_one() {
        assert_eq!(
            count_line(15, 30, Some(Duration::from_millis(1_250))),
            format!(
                "[{}{}] 15/30  waiting 1.2 s for the rate limit",
                "#".repeat(15),
                " ".repeat(15)
            )
        );
        assert_eq!(
            count_line(30, 30, Some(Duration::ZERO)),
            format!("[{}] 30/30", "#".repeat(30))
        );
        assert_eq!(count_line(0, 0, None), format!("[{}] 0/0", " ".repeat(30)));
    }
}
