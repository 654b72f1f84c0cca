//! A progress line on standard error for long checks, shown only on a terminal.

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
