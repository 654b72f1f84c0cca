//! Waking the calls that follow another's (coalesced validations): a count of answers
//! shared, moved inside the engine's step that shared one, and the wakers of the calls
//! waiting for it to move.

use core::cell::RefCell;
use core::future::poll_fn;
use core::task::Poll;

use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::RawMutex;
use embassy_sync::waitqueue::MultiWakerRegistration;

/// Wakers kept at once (a few bytes each); when more calls wait, registering one more
/// wakes all, and they register again, until the answer comes: harmless, but busy, so
/// there is room for more followers than a device usually has.
const WAITING: usize = 8;

struct State {
    /// Answers shared so far (wrapping).
    shared: u32,
    wakers: MultiWakerRegistration<WAITING>,
}

/// The calls waiting for a shared answer.
pub(crate) struct Followers<M: RawMutex> {
    state: Mutex<M, RefCell<State>>,
}

impl<M: RawMutex> Followers<M> {
    pub(crate) const fn new() -> Self {
        Followers {
            state: Mutex::new(RefCell::new(State {
                shared: 0,
                wakers: MultiWakerRegistration::new(),
            })),
        }
    }

    /// The count now: read in the same engine step that told a call to follow.
    pub(crate) fn seen(&self) -> u32 {
        self.state.lock(|state| state.borrow().shared)
    }

    /// An answer was shared: every waiting call is woken.
    pub(crate) fn answer_shared(&self) {
        self.state.lock(|state| {
            let mut state = state.borrow_mut();
            state.shared = state.shared.wrapping_add(1);
            state.wakers.wake();
        });
    }

    /// Waits until an answer is shared after `seen`.
    pub(crate) async fn wait(&self, seen: u32) {
        poll_fn(|cx| {
            self.state.lock(|state| {
                let mut state = state.borrow_mut();
                if state.shared != seen {
                    return Poll::Ready(());
                }
                state.wakers.register(cx.waker());
                Poll::Pending
            })
        })
        .await;
    }
}
