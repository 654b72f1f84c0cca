//! The runner: the task the application spawns to run the health monitor's checks, at
//! the monitor's interval and soon after a failed call (the engine brings the check
//! forward and the runner is woken). Its checks are the health endpoint's breaker
//! probes too, so a service that comes back is found without waiting for a user call.

use chittyid::resilience::{HealthPoll, HealthState, Transition};
use embassy_futures::select::select;
use embassy_sync::blocking_mutex::raw::RawMutex;
use embassy_time::Timer;

use crate::buffers::Buffers;
use crate::call::drive;
use crate::connect::Connect;
use crate::shared::{Shared, embassy, now};

/// Runs the health monitor: spawn [`Runner::run`] in its own task with its own
/// connector and buffers.
pub struct Runner<'a, M: RawMutex, const CACHE: usize> {
    shared: &'a Shared<'a, M, CACHE>,
    /// The health state the last step ended in.
    seen: HealthState,
}

impl<'a, M: RawMutex, const CACHE: usize> Runner<'a, M, CACHE> {
    pub(crate) fn new(shared: &'a Shared<'a, M, CACHE>) -> Self {
        Runner {
            shared,
            seen: HealthState::Disconnected,
        }
    }

    /// Runs the health checks for ever.
    pub async fn run<C: Connect>(&mut self, mut connector: C, mut buffers: Buffers<'_>) -> ! {
        loop {
            let _moved = self.step(&mut connector, &mut buffers).await;
        }
    }

    /// One step: a check if one is due, else a wait until one is (or until a failed
    /// call brings it forward). Returns the health monitor's change of state since the
    /// last step ended, if it changed (by this step's check, or by calls meanwhile), for
    /// the firmware to report.
    pub async fn step<C: Connect>(
        &mut self,
        connector: &mut C,
        buffers: &mut Buffers<'_>,
    ) -> Option<Transition<HealthState>> {
        let shared = self.shared;
        // Reset before asking: a call that fails after this still wakes the wait below.
        shared.health_wake.reset();
        match shared.with(|engine| engine.health_poll(now())) {
            HealthPoll::CheckNow { .. } => {
                let _checked = drive(shared, connector, buffers, |engine, now| {
                    engine.begin_health_check(now)
                })
                .await;
            }
            HealthPoll::WaitUntil(at) => {
                select(Timer::at(embassy(at)), shared.health_wake.wait()).await;
            }
        }
        let (from, to) = (self.seen, shared.with(|engine| engine.health_state()));
        self.seen = to;
        (from != to).then_some(Transition { from, to })
    }
}
