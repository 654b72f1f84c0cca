//! Engine events as defmt logs (with the `defmt` feature; silent without it).

use chittyid::engine::{Event, Observer};

/// Logs events with defmt when the `defmt` feature is on.
#[derive(Debug, Default, Clone, Copy)]
#[allow(clippy::exhaustive_structs, reason = "a unit marker")]
pub struct LogObserver;

impl Observer for LogObserver {
    fn on_event(&mut self, event: &Event) {
        #[cfg(feature = "defmt")]
        defmt::info!("chittyid: {}", event);
        #[cfg(not(feature = "defmt"))]
        let _ = event;
    }
}
