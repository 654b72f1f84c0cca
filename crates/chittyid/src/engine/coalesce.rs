//! Request coalescing: a validation of an ID while another call for the same ID is in
//! flight sends nothing; it follows that call (the leader) and ends with its answer,
//! whatever it is: one request, N answers. For a fallback ID this matters beyond the
//! load, as the service tells its replacement only once.
//!
//! The table has `SHARED` places (the engine's third parameter, default
//! [`SHARED_CALLS`]), in the engine's memory. A leader holds one
//! from its start to its end; its answer stays there until each follower has taken it.
//! When every place is taken, a new validation goes on its own (no coalescing, no
//! harm). A follower that finds its place given away (its leader was cancelled, or the
//! answer reclaimed for a newer leader) joins again: it follows another leader of the
//! same ID, or leads. A leader that is driven ends by its deadline; one still asking
//! after its deadline was dropped without being cancelled, and its place is taken
//! over. A leader whose own time ran out (deadline, rate limit, cancelled) shares
//! nothing: its followers ask again with the time they have left.

use crate::ChittyId;
use crate::resilience::Instant;

use super::answers::Validation;

/// How many IDs can have a leader in flight at once, by default (an engine's `SHARED`
/// parameter; the std client sets 64, a service with many distinct validations in
/// flight may set more, firmware 4). Each place holds an answer, 88 B: two keep an
/// engine with a 32-answer cache within 4 KiB, where firmware counts its RAM.
pub const SHARED_CALLS: usize = 2;

/// A call's place in the table: which, and for which leader (a place is reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    place: u8,
    leader: u32,
    /// The leader's deadline: a follower waits no longer.
    pub until: Instant,
}

/// A validation's part in coalescing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// Neither leads nor follows (the table was full).
    Alone,
    /// Asks the service; others may follow.
    Leads(Ticket),
    /// Waits for a leader's answer.
    Follows(Ticket),
}

/// What a follower finds.
pub enum Found {
    /// The leader is still asking.
    Asking,
    /// The leader's answer.
    Answer(Validation),
    /// The place was given away.
    Gone,
}

#[derive(Debug, Clone, Copy)]
enum Place {
    Free,
    Asking {
        id: ChittyId,
        leader: u32,
        deadline: Instant,
        followers: u16,
    },
    Answered {
        leader: u32,
        answer: Validation,
        /// Followers that have not taken it yet.
        waiting: u16,
    },
}

/// The table of validations in flight that others may follow.
#[derive(Debug, Clone)]
pub struct SharedAnswers<const N: usize> {
    places: [Place; N],
    /// Numbers leaders, so that a reused place is told from the old one.
    next_leader: u32,
    /// An answer was shared, or a leader left its followers: they should poll.
    wake: bool,
}

impl<const N: usize> SharedAnswers<N> {
    pub(super) fn new() -> SharedAnswers<N> {
        SharedAnswers {
            places: [Place::Free; N],
            next_leader: 0,
            wake: false,
        }
    }

    /// A validation of `id` begins at `now`, to end by `deadline`: it follows the
    /// leader asking for `id`, or leads.
    pub(super) fn join(&mut self, id: ChittyId, now: Instant, deadline: Instant) -> Share {
        let mut free = None;
        let mut oldest_answered: Option<(usize, u32)> = None;
        for (place, slot) in self.places.iter_mut().enumerate() {
            match slot {
                // A leader past its deadline was dropped: its place is free.
                Place::Asking { deadline, .. } if *deadline <= now => {
                    free = free.or(Some(place));
                }
                Place::Asking {
                    id: asked,
                    leader,
                    deadline,
                    followers,
                } if *asked == id => {
                    *followers = followers.saturating_add(1);
                    return Share::Follows(ticket(place, *leader, *deadline));
                }
                Place::Free if free.is_none() => free = Some(place),
                Place::Answered { leader, .. } => {
                    let age = self.next_leader.wrapping_sub(*leader);
                    if oldest_answered.is_none_or(|(_, oldest)| age > oldest) {
                        oldest_answered = Some((place, age));
                    }
                }
                _ => {}
            }
        }
        // An answer not yet taken is given away only when no place is free: its
        // followers then ask again.
        let Some(place) = free.or(oldest_answered.map(|(place, _)| place)) else {
            return Share::Alone;
        };
        let leader = self.next_leader;
        self.next_leader = self.next_leader.wrapping_add(1);
        self.places[place] = Place::Asking {
            id,
            leader,
            deadline,
            followers: 0,
        };
        Share::Leads(ticket(place, leader, deadline))
    }

    /// The leader ended with `answer`: it is kept for its followers, if any.
    pub(super) fn answer(&mut self, ticket: Ticket, answer: Validation) {
        if let Some(place) = place_mut(&mut self.places, ticket) {
            *place = match *place {
                Place::Asking { followers: 0, .. } => Place::Free,
                Place::Asking {
                    leader, followers, ..
                } => {
                    self.wake = true;
                    Place::Answered {
                        leader,
                        answer,
                        waiting: followers,
                    }
                }
                other => other,
            };
        }
    }

    /// A follower looks for its leader's answer (taking it, if there).
    pub(super) fn find(&mut self, ticket: Ticket) -> Found {
        let Some(place) = place_mut(&mut self.places, ticket) else {
            return Found::Gone;
        };
        match *place {
            Place::Asking { .. } => Found::Asking,
            Place::Answered {
                answer, waiting, ..
            } => {
                *place = match waiting {
                    0 | 1 => Place::Free,
                    _ => Place::Answered {
                        leader: ticket.leader,
                        answer,
                        waiting: waiting - 1,
                    },
                };
                Found::Answer(answer)
            }
            Place::Free => Found::Gone,
        }
    }

    /// A call leaves (cancelled, or past its deadline): a leader's place is freed and
    /// its followers woken to join again; a follower is no longer waited for.
    pub(super) fn leave(&mut self, share: Share) {
        let (Share::Leads(ticket) | Share::Follows(ticket)) = share else {
            return;
        };
        let leads = matches!(share, Share::Leads(_));
        let Some(place) = place_mut(&mut self.places, ticket) else {
            return;
        };
        *place = match *place {
            Place::Asking { followers, .. } if leads => {
                self.wake |= followers > 0;
                Place::Free
            }
            Place::Asking {
                id,
                leader,
                deadline,
                followers,
            } => Place::Asking {
                id,
                leader,
                deadline,
                followers: followers.saturating_sub(1),
            },
            Place::Answered { waiting: 0..=1, .. } if !leads => Place::Free,
            Place::Answered {
                leader,
                answer,
                waiting,
            } if !leads => Place::Answered {
                leader,
                answer,
                waiting: waiting - 1,
            },
            other => other,
        };
    }

    /// `true` once after an answer was shared or a leader left its followers.
    pub(super) fn take_wake(&mut self) -> bool {
        core::mem::take(&mut self.wake)
    }
}

/// The ticket's place, while it still belongs to the ticket's leader.
fn place_mut(places: &mut [Place], ticket: Ticket) -> Option<&mut Place> {
    let place = places.get_mut(usize::from(ticket.place))?;
    let current = match place {
        Place::Asking { leader, .. } | Place::Answered { leader, .. } => *leader,
        Place::Free => return None,
    };
    (current == ticket.leader).then_some(place)
}

fn ticket(place: usize, leader: u32, until: Instant) -> Ticket {
    Ticket {
        // The engine's SHARED is at most 255 (checked when it is made).
        place: place as u8,
        leader,
        until,
    }
}

#[cfg(test)]
mod tests {
    use std::{format, vec::Vec};

    use super::*;
    use crate::engine::Unanswered;

    fn id(n: u16) -> ChittyId {
        let body = format!("03-1-USA-{n:04}-P-2602-0");
        let check = crate::checksum::compute(&body).unwrap();
        format!("{body}-{check:02}").parse().unwrap()
    }

    const NOW: Instant = Instant::from_millis(0);
    const LATER: Instant = Instant::from_millis(30_000);

    fn answer(n: u16) -> Validation {
        Validation::Authoritative {
            id: id(n),
            valid: true,
            reason: None,
            cached: false,
        }
    }

    #[test]
    fn followers_take_the_leaders_answer_once_each() {
        let mut table = SharedAnswers::<SHARED_CALLS>::new();
        let Share::Leads(leader) = table.join(id(1), NOW, LATER) else {
            panic!("the first leads")
        };
        let followers: Vec<_> = (0..3).map(|_| table.join(id(1), NOW, LATER)).collect();
        let Share::Follows(first) = followers[0] else {
            panic!("the second follows")
        };
        assert!(matches!(table.find(first), Found::Asking));
        table.answer(leader, answer(1));
        assert!(table.take_wake());
        assert!(!table.take_wake());
        for share in followers {
            let Share::Follows(ticket) = share else {
                panic!()
            };
            assert!(matches!(table.find(ticket), Found::Answer(a) if a == answer(1)));
        }
        // Taken by all three: the place is free, and the next call leads.
        assert!(matches!(table.find(first), Found::Gone));
        assert!(matches!(table.join(id(1), NOW, LATER), Share::Leads(_)));
    }

    #[test]
    fn a_leader_that_leaves_wakes_its_followers_and_frees_the_place() {
        let mut table = SharedAnswers::<SHARED_CALLS>::new();
        let leader = table.join(id(1), NOW, LATER);
        let Share::Follows(follower) = table.join(id(1), NOW, LATER) else {
            panic!()
        };
        table.leave(leader);
        assert!(table.take_wake());
        assert!(matches!(table.find(follower), Found::Gone));
        assert!(matches!(table.join(id(1), NOW, LATER), Share::Leads(_)));
    }

    #[test]
    fn a_full_table_lets_calls_go_alone_and_reclaims_the_oldest_answer_first() {
        let mut table = SharedAnswers::<SHARED_CALLS>::new();
        let leaders: Vec<_> = (0..SHARED_CALLS as u16)
            .map(|n| table.join(id(n), NOW, LATER))
            .collect();
        assert!(leaders.iter().all(|s| matches!(s, Share::Leads(_))));
        assert_eq!(table.join(id(999), NOW, LATER), Share::Alone);
        // Two leaders end with followers still to take their answers.
        let Share::Follows(f0) = table.join(id(0), NOW, LATER) else {
            panic!()
        };
        let Share::Follows(f1) = table.join(id(1), NOW, LATER) else {
            panic!()
        };
        let (Share::Leads(l0), Share::Leads(l1)) = (leaders[0], leaders[1]) else {
            panic!()
        };
        table.answer(l0, answer(0));
        table.answer(l1, answer(1));
        // The oldest untaken answer makes room; its follower will ask again.
        assert!(matches!(table.join(id(999), NOW, LATER), Share::Leads(_)));
        assert!(matches!(table.find(f0), Found::Gone));
        assert!(matches!(table.find(f1), Found::Answer(a) if a == answer(1)));
    }

    #[test]
    fn a_follower_that_leaves_is_not_waited_for() {
        let mut table = SharedAnswers::<SHARED_CALLS>::new();
        let Share::Leads(leader) = table.join(id(1), NOW, LATER) else {
            panic!()
        };
        let gone = table.join(id(1), NOW, LATER);
        let Share::Follows(stays) = table.join(id(1), NOW, LATER) else {
            panic!()
        };
        table.leave(gone);
        let failed = Validation::LocalOnly {
            id: id(1),
            kind: id(1).kind(),
            reason: Unanswered::DeadlineExceeded,
        };
        table.answer(leader, failed);
        assert!(matches!(table.find(stays), Found::Answer(a) if a == failed));
        assert!(
            matches!(table.join(id(1), NOW, LATER), Share::Leads(_)),
            "place freed"
        );
    }

    #[test]
    fn a_leader_dropped_without_a_word_is_replaced_after_its_deadline() {
        let mut table = SharedAnswers::<SHARED_CALLS>::new();
        let _dropped = table.join(id(1), NOW, LATER);
        let Share::Follows(follower) = table.join(id(1), NOW, LATER) else {
            panic!()
        };
        assert_eq!(
            follower.until, LATER,
            "a follower waits no longer than its leader"
        );
        assert!(matches!(table.join(id(1), LATER, LATER), Share::Leads(_)));
        assert!(matches!(table.find(follower), Found::Gone));
    }
}
