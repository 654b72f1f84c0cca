//! One call, driven to its end: the engine decides, this loop carries out its actions
//! and reports each exchange's fact. No decision here.
//!
//! The loop sees a call through [`Steps`], a trait object, so that it is compiled once
//! for the three kinds of call rather than once per kind: on a Cortex-M4 each copy of
//! the loop, with the exchange and the timers inlined, costs kilobytes of flash. (It is
//! `Send`, as every call is, so that a call's future is `Send` when its connector is.)

use chittyid::engine::{Action, Call, Fact};
use chittyid::resilience::Instant;
use embassy_sync::blocking_mutex::raw::RawMutex;
use embassy_time::{Timer, with_deadline};

use crate::Answer;
use crate::buffers::Buffers;
use crate::connect::Connect;
use crate::exchange::exchange;
use crate::shared::{Shared, SharedEngine, embassy, now};

/// Drives the call `begin` starts over connections from `connector`, in `buffers`.
pub(crate) async fn drive<M: RawMutex, C: Connect, T: Answer, const CACHE: usize>(
    shared: &Shared<'_, M, CACHE>,
    connector: &mut C,
    buffers: &mut Buffers<'_>,
    begin: impl FnOnce(&mut SharedEngine<CACHE>, Instant) -> Call<T>,
) -> T {
    let mut call = shared.with(|engine| begin(engine, now()));
    loop {
        carry_out(shared, connector, buffers, &mut call).await;
        if let Some(outcome) = call.outcome() {
            return outcome;
        }
    }
}

/// Carries out the engine's actions for `call` until it is over.
async fn carry_out<M: RawMutex, C: Connect, const CACHE: usize>(
    shared: &Shared<'_, M, CACHE>,
    connector: &mut C,
    buffers: &mut Buffers<'_>,
    call: &mut (dyn Steps<CACHE> + Send),
) {
    let guard = CallGuard { shared, call };
    let wire = &shared.wire;
    loop {
        // The engine builds the request's parts in the answer buffer, free until the
        // answer arrives: a task needs no third buffer.
        let (action, seen) = shared.with_wake(|engine| {
            let action = guard.call.poll(engine, now(), buffers.response);
            (action, shared.followers.seen())
        });
        let (outgoing, timeout_at) = match action {
            Action::Done(()) => return,
            Action::WaitUntil(at) => {
                Timer::at(embassy(at)).await;
                continue;
            }
            Action::Follow { until } => {
                // Another call asks the same: its answer, or this call's deadline.
                let _shared = with_deadline(embassy(until), shared.followers.wait(seen)).await;
                continue;
            }
            Action::Send {
                request,
                timeout_at,
            } => (request, timeout_at),
        };
        // A connection per request: `Connection: close`.
        let written = outgoing.write_http1(wire.host, wire.token, true, buffers.request);
        let fact = match written {
            Err(_) => Fact::DoesNotFit,
            Ok(length) => {
                let request = &buffers.request[..length];
                let exchanged = exchange(connector, request, buffers.response, wire.timeouts);
                match with_deadline(embassy(timeout_at), exchanged).await {
                    Ok(fact) => fact,
                    // Nothing by the time-out: the next poll ends the attempt.
                    Err(_) => continue,
                }
            }
        };
        shared.with_wake(|engine| guard.call.report(engine, fact, now()));
    }
}

/// A call of any kind, as the loop sees it: the engine's own steps for it.
trait Steps<const CACHE: usize> {
    /// [`chittyid::engine::Engine::poll`], its outcome left in the call.
    fn poll<'b>(
        &mut self,
        engine: &mut SharedEngine<CACHE>,
        now: Instant,
        buf: &'b mut [u8],
    ) -> Action<'b, ()>;
    /// [`chittyid::engine::Engine::report`].
    fn report(&mut self, engine: &mut SharedEngine<CACHE>, fact: Fact<'_>, now: Instant);
    /// [`chittyid::engine::Engine::cancel`].
    fn cancel(&mut self, engine: &mut SharedEngine<CACHE>);
    /// [`Call::is_finished`].
    fn is_finished(&self) -> bool;
}

impl<T: Answer, const CACHE: usize> Steps<CACHE> for Call<T> {
    fn poll<'b>(
        &mut self,
        engine: &mut SharedEngine<CACHE>,
        now: Instant,
        buf: &'b mut [u8],
    ) -> Action<'b, ()> {
        match engine.poll(self, now, buf) {
            Action::Done(_) => Action::Done(()),
            Action::WaitUntil(at) => Action::WaitUntil(at),
            Action::Follow { until } => Action::Follow { until },
            Action::Send {
                request,
                timeout_at,
            } => Action::Send {
                request,
                timeout_at,
            },
        }
    }

    fn report(&mut self, engine: &mut SharedEngine<CACHE>, fact: Fact<'_>, now: Instant) {
        engine.report(self, fact, now);
    }

    fn cancel(&mut self, engine: &mut SharedEngine<CACHE>) {
        engine.cancel(self);
    }

    fn is_finished(&self) -> bool {
        Call::is_finished(self)
    }
}

/// A call in progress. If its future is dropped mid-way (the caller's own time-out, or
/// a `select` that another branch won), the breaker's probe slot it may hold is given
/// back (otherwise the breaker would wait for that probe for ever), and calls that
/// follow it ask again.
struct CallGuard<'s, 'a, 'c, M: RawMutex, const CACHE: usize> {
    shared: &'s Shared<'a, M, CACHE>,
    call: &'c mut (dyn Steps<CACHE> + Send),
}

impl<M: RawMutex, const CACHE: usize> Drop for CallGuard<'_, '_, '_, M, CACHE> {
    fn drop(&mut self) {
        if !self.call.is_finished() {
            let call = &mut *self.call;
            // A leader that leaves wakes its followers, to ask again.
            self.shared.with_wake(|engine| call.cancel(engine));
        }
    }
}
