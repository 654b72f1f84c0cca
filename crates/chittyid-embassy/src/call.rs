//! One call, driven to its end: the engine decides, this loop carries out its actions
//! and reports each exchange's fact. No decision here.

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
    let call = shared.with(|engine| begin(engine, now()));
    let mut guard = CallGuard { shared, call };
    let wire = &shared.wire;
    loop {
        // The engine builds the request's parts in the answer buffer, free until the
        // answer arrives: a task needs no third buffer.
        let (action, seen) = shared.with_wake(|engine| {
            let action = engine.poll(&mut guard.call, now(), buffers.response);
            (action, shared.followers.seen())
        });
        let (outgoing, timeout_at) = match action {
            Action::Done(outcome) => return outcome,
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
        shared.report(&mut guard.call, fact);
    }
}

/// A call in progress. If its future is dropped mid-way (the caller's own time-out, or
/// a `select` that another branch won), the breaker's probe slot it may hold is given
/// back (otherwise the breaker would wait for that probe for ever), and calls that
/// follow it ask again.
struct CallGuard<'s, 'a, M: RawMutex, T: Answer, const CACHE: usize> {
    shared: &'s Shared<'a, M, CACHE>,
    call: Call<T>,
}

impl<M: RawMutex, T: Answer, const CACHE: usize> Drop for CallGuard<'_, '_, M, T, CACHE> {
    fn drop(&mut self) {
        if !self.call.is_finished() {
            let call = &mut self.call;
            // A leader that leaves wakes its followers, to ask again.
            self.shared.with_wake(|engine| engine.cancel(call));
        }
    }
}
