//! The mint journal: an append-only file in which a client writes each mint's request
//! (and key) before the mint is sent, and its outcome when it is known, each record
//! checksummed and chained to the one before (see [`ClientBuilder::journal`]).
//!
//! A plain file, not an embedded store: one `write` and one `fsync` per record is all
//! the durability a journal needs, a cut write can only damage the last line (which is
//! recognised and repaired), and the file is text that `grep` and an editor read. The
//! chain is the journal's own (each record names its predecessor's CRC-32), so that
//! `chittyid journal verify` can name the first record that was changed, removed or
//! moved.
//!
//! [`ClientBuilder::journal`]: crate::ClientBuilder::journal

mod format;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chittyid::engine::{MintError, MintResult, Unanswered};
use chittyid::wire::{IdempotencyKey, MintAnswer, MintRequest};

pub use format::{
    Damage, Entry, FORMAT, Journal, Outcome, OutcomeKind, Record, TornTail, Unresolved, crc32,
};
use format::{Ledger, encode};

use crate::Client;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The open journal: its file (locked against other processes), the chain's end and
/// every mint's state.
struct State {
    file: File,
    len: u64,
    next_seq: u64,
    prev: u32,
    ledger: Ledger,
    /// Set when a failed write could not be undone: nothing more is appended.
    poisoned: Option<String>,
}

/// Appends records, one `write` and one `fsync` each.
pub(crate) struct Writer {
    state: Mutex<State>,
    path: PathBuf,
    /// The `seq` of this client's `open` record: mints before it are another run's.
    session: u64,
}

impl Writer {
    /// Opens (or creates) the journal at `path`: checks it, removes a torn last record,
    /// and appends an `open` record. A damaged journal is refused, and so is one that
    /// another process has open.
    pub(crate) fn open(path: &Path) -> io::Result<Writer> {
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "another process has the journal open",
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        if !existed {
            sync_parent(path)?;
        }
        let bytes = {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut file, &mut bytes)?;
            bytes
        };
        let journal = Journal::from_bytes(&bytes);
        if let Some(damage) = &journal.damage {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the journal is damaged at {damage}; check it with `chittyid journal verify`"
                ),
            ));
        }
        let torn_bytes = journal.torn_tail.map_or(0, |t| t.bytes);
        if torn_bytes > 0 {
            // A cut write: its mint was never sent (a `sent` record is synced before
            // the send), or its outcome stays unknown until resolved.
            file.set_len(journal.intact_len)?;
            file.sync_all()?;
            tracing::warn!(event = "journal_torn_tail", journal = %path.display(), bytes = torn_bytes, "mint journal: a torn last record was removed");
        }
        let session = journal.records.len() as u64;
        let writer = Writer {
            state: Mutex::new(State {
                file,
                len: journal.intact_len,
                next_seq: session,
                prev: journal.prev(),
                ledger: journal.ledger,
                poisoned: None,
            }),
            path: path.to_path_buf(),
            session,
        };
        writer.append(|_| Entry::Open {
            pid: std::process::id(),
            torn_bytes,
        })?;
        Ok(writer)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends the record `entry(seq)` makes and syncs it; its `seq`.
    pub(crate) fn append(&self, entry: impl FnOnce(u64) -> Entry) -> io::Result<u64> {
        let mut state = self.lock();
        if let Some(why) = &state.poisoned {
            return Err(io::Error::other(format!("the journal is closed: {why}")));
        }
        let seq = state.next_seq;
        let entry = entry(seq);
        state.ledger.check(seq, &entry).map_err(io::Error::other)?;
        let (line, crc) = encode(seq, state.prev, now_ms(), &entry);
        let written = state
            .file
            .write_all(line.as_bytes())
            .and_then(|()| state.file.sync_data());
        if let Err(e) = written {
            // Undo a partial write, so that the chain stays whole; if even that fails,
            // stop appending.
            let len = state.len;
            if state
                .file
                .set_len(len)
                .and_then(|()| state.file.sync_all())
                .is_err()
            {
                state.poisoned = Some(e.to_string());
            }
            return Err(e);
        }
        // Checked above, so this cannot fail.
        let _ = state.ledger.apply(seq, &entry);
        state.len += line.len() as u64;
        state.next_seq += 1;
        state.prev = crc;
        Ok(seq)
    }

    /// The mints a resolution may resend: unresolved, and not in flight in this
    /// client (another run's, or this run's that ended with an unknown outcome).
    fn to_resolve(&self) -> Vec<Unresolved> {
        let state = self.lock();
        state
            .ledger
            .unresolved()
            .into_iter()
            .filter(|u| u.mint < self.session || !state.ledger.is_in_flight(u.mint))
            .collect()
    }
}

/// Syncs the directory that holds `path`, so that a new file's name is durable too.
fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A client's journal.
pub(crate) struct Link {
    writer: Arc<Writer>,
    /// Set once the unresolved mints of earlier runs have been tried (before the first
    /// mint, or by [`Client::resolve_journal`]).
    tried: tokio::sync::OnceCell<()>,
    /// One resolution at a time.
    resolving: tokio::sync::Mutex<()>,
}

impl Link {
    pub(crate) fn open(path: &Path) -> io::Result<Link> {
        Ok(Link {
            writer: Arc::new(Writer::open(path)?),
            tried: tokio::sync::OnceCell::new(),
            resolving: tokio::sync::Mutex::new(()),
        })
    }

    /// The journal's path.
    pub(crate) fn path(&self) -> &Path {
        &self.writer.path
    }

    /// Mints unresolved now.
    pub(crate) fn unresolved(&self) -> usize {
        self.writer.lock().ledger.unresolved().len()
    }

    /// The gate of one mint's call: `key` is the key of a resend, if it is one.
    pub(crate) fn gate(&self, what: MintRequest, key: Option<IdempotencyKey>) -> Gate {
        let resend_of = key.and_then(|k| self.writer.lock().ledger.mint_with_key(&k));
        Gate {
            writer: self.writer.clone(),
            what,
            resend_of,
            mint: None,
            failed: None,
        }
    }

    /// Tries the unresolved mints of earlier runs once, before this client's first mint.
    pub(crate) async fn resolve_once(&self, client: &Client) {
        self.tried
            .get_or_init(|| async {
                let _ = self.resolve(client).await;
            })
            .await;
    }

    /// Resends each unresolved mint that has a key, with its key, when the service
    /// honours keys (asking its health endpoint first, which says so).
    pub(crate) async fn resolve(&self, client: &Client) -> Resolution {
        let _ = self.tried.set(());
        let _one = self.resolving.lock().await;
        let todo = self.writer.to_resolve();
        let mut resolution = Resolution::default();
        if todo.is_empty() {
            return resolution;
        }
        if !client.stats().keys_honoured && todo.iter().any(|u| u.key.is_some()) {
            let _ = client.health().await;
        }
        let honoured = client.stats().keys_honoured;
        for unresolved in todo {
            let why = match (unresolved.key, honoured) {
                (None, _) => Some(StillUnresolved::NoKey),
                (Some(_), false) => Some(StillUnresolved::KeysNotHonoured),
                (Some(key), true) => {
                    let result = client
                        .mint_journaled(self, unresolved.request, Some(key))
                        .await;
                    if self.writer.lock().ledger.is_resolved(unresolved.mint) {
                        tracing::info!(
                            event = "journal_resolved",
                            mint = unresolved.mint,
                            ok = result.is_ok(),
                            "mint journal: an unresolved mint was resolved by a resend with its key"
                        );
                        resolution.resolved.push(Resolved {
                            mint: unresolved.mint,
                            result,
                        });
                        None
                    } else {
                        Some(StillUnresolved::Unanswered(result))
                    }
                }
            };
            if let Some(why) = why {
                tracing::warn!(event = "journal_unresolved", mint = unresolved.mint, reason = %why, "mint journal: a mint stays unresolved");
                resolution.unresolved.push((unresolved, why));
            }
        }
        resolution
    }
}

/// What [`Client::resolve_journal`] did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Resolution {
    /// Mints resolved by a resend with their key.
    pub resolved: Vec<Resolved>,
    /// Mints still unresolved, with the reason.
    pub unresolved: Vec<(Unresolved, StillUnresolved)>,
}

/// A mint of an earlier run, resolved by resending it with its key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolved {
    /// The mint's number in the journal.
    pub mint: u64,
    /// The resend's result: the ID the service minted the first time (or minted now,
    /// if the first request never arrived).
    pub result: MintResult,
}

/// Why a mint stays unresolved.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StillUnresolved {
    /// It was sent without a key (`KeyPolicy::Off`): a resend could mint a second ID.
    NoKey,
    /// The service does not honour keys (it did not echo one): a resend could mint a
    /// second ID.
    KeysNotHonoured,
    /// The resend got no usable answer either; it is tried again next time.
    Unanswered(MintResult),
}

impl std::fmt::Display for StillUnresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StillUnresolved::NoKey => f.write_str("sent without an idempotency key"),
            StillUnresolved::KeysNotHonoured => {
                f.write_str("the service does not honour idempotency keys")
            }
            StillUnresolved::Unanswered(Err(e)) => write!(f, "the resend failed: {e}"),
            StillUnresolved::Unanswered(Ok(_)) => f.write_str("the resend was not settled"),
        }
    }
}

/// One mint's passage through the journal: its `sent` record before the first request
/// leaves, its `outcome` record when the call ends.
pub(crate) struct Gate {
    writer: Arc<Writer>,
    what: MintRequest,
    resend_of: Option<u64>,
    /// The mint's number, once its `sent` record is written.
    mint: Option<u64>,
    failed: Option<io::Error>,
}

impl Gate {
    /// Called before each request of the call: the first writes and syncs the `sent`
    /// record. `false` when it could not be written: the request must not be sent.
    pub(crate) async fn admit(&mut self, key: Option<IdempotencyKey>) -> bool {
        if self.mint.is_some() {
            return true;
        }
        let (writer, request, resend_of) = (self.writer.clone(), self.what, self.resend_of);
        let written = tokio::task::spawn_blocking(move || {
            writer.append(|seq| Entry::Sent {
                mint: resend_of.unwrap_or(seq),
                request,
                key,
                resend: resend_of.is_some(),
            })
        })
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e.to_string())));
        match written {
            Ok(seq) => {
                self.mint = Some(resend_of.unwrap_or(seq));
                true
            }
            Err(e) => {
                tracing::error!(event = "journal_write_failed", journal = %self.writer.path.display(), error = %e, "mint journal write failed; the mint is not sent");
                self.failed = Some(e);
                false
            }
        }
    }

    /// Writes the call's outcome (when a request was sent) and hands the result on. A
    /// mint refused because the journal could not be written is
    /// `Unavailable(Cancelled)`.
    pub(crate) async fn finish(self, result: MintResult) -> MintResult {
        if self.failed.is_some() {
            return Err(MintError::Unavailable(Unanswered::Cancelled));
        }
        let Some(mint) = self.mint else {
            return result;
        };
        let (outcome, resolves) = outcome_of(&result, self.resend_of.is_some());
        let writer = self.writer.clone();
        let written = tokio::task::spawn_blocking(move || {
            writer.append(|_| Entry::Outcome {
                mint,
                outcome,
                resolves,
            })
        })
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e.to_string())));
        if let Err(e) = written {
            // The mint stays unresolved in the journal: a resend with its key learns
            // the ID again.
            tracing::error!(event = "journal_write_failed", journal = %self.writer.path.display(), mint, error = %e, "mint journal: the outcome could not be written");
        }
        result
    }
}

/// A mint's result as a record, and whether it settles the mint.
fn outcome_of(result: &MintResult, resend: bool) -> (Outcome, bool) {
    let outcome = |result, id, code: Option<&str>, attempts| Outcome {
        result,
        id,
        code: code.map(str::to_string),
        attempts,
    };
    match *result {
        Ok(MintAnswer::Minted(id)) => (outcome(OutcomeKind::Minted, Some(id), None, 1), true),
        Ok(MintAnswer::Pending { id, code }) => {
            let code = code.map(|c| c.name().map_or_else(|| c.to_string(), str::to_string));
            (
                outcome(OutcomeKind::Pending, Some(id), code.as_deref(), 1),
                true,
            )
        }
        Err(MintError::Mismatch { id, .. }) => {
            (outcome(OutcomeKind::Mismatch, Some(id), None, 1), true)
        }
        Err(MintError::TokenRefused { fallback }) => (
            outcome(
                OutcomeKind::Refused,
                Some(fallback),
                Some("token_refused"),
                1,
            ),
            true,
        ),
        Err(MintError::RequestRefused { fallback }) => (
            outcome(
                OutcomeKind::Refused,
                Some(fallback),
                Some("request_refused"),
                1,
            ),
            true,
        ),
        Err(MintError::RateLimited { fallback, attempts }) => (
            outcome(
                OutcomeKind::Refused,
                Some(fallback),
                Some("rate_limited"),
                attempts,
            ),
            true,
        ),
        Err(MintError::Unauthorized { .. }) => (
            outcome(OutcomeKind::Refused, None, Some("unauthorized"), 1),
            true,
        ),
        Err(MintError::Rejected { .. }) => (
            outcome(OutcomeKind::Refused, None, Some("rejected"), 1),
            true,
        ),
        // No request of this send can have arrived: that settles a first send, not a
        // resend (the first may have arrived).
        Err(MintError::Unavailable(why)) => {
            let attempts = match why {
                Unanswered::Failed { attempts, .. } => attempts,
                _ => 0,
            };
            (
                outcome(OutcomeKind::Unavailable, None, None, attempts),
                !resend,
            )
        }
        Err(MintError::OutcomeUnknown { attempts, .. }) => {
            (outcome(OutcomeKind::Unknown, None, None, attempts), false)
        }
        Err(_) => (outcome(OutcomeKind::Other, None, None, 0), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chittyid::EntityType;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "chittyid-journal-{}-{name}-{}",
            std::process::id(),
            now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("mints.journal")
    }

    #[test]
    fn the_writer_chains_repairs_a_torn_tail_and_refuses_damage() {
        let path = temp("writer");
        {
            let writer = Writer::open(&path).unwrap();
            // A second open while the first holds the lock is refused.
            assert_eq!(
                Writer::open(&path).err().map(|e| e.kind()),
                Some(io::ErrorKind::WouldBlock)
            );
            let mint = writer
                .append(|seq| Entry::Sent {
                    mint: seq,
                    request: MintRequest::new(EntityType::Person),
                    key: None,
                    resend: false,
                })
                .unwrap();
            assert_eq!(mint, 1);
        }
        // A cut write at the end.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"seq=2 prev=").unwrap();
        drop(file);
        let journal = Journal::read(&path).unwrap();
        assert_eq!(journal.damage, None);
        assert_eq!(journal.torn_tail.map(|t| t.bytes), Some(11));
        let writer = Writer::open(&path).unwrap();
        drop(writer);
        let journal = Journal::read(&path).unwrap();
        assert_eq!((journal.damage.clone(), journal.torn_tail), (None, None));
        assert_eq!(journal.records.len(), 3);
        assert!(matches!(
            journal.records[2].entry,
            Entry::Open { torn_bytes: 11, .. }
        ));
        assert_eq!(journal.unresolved().len(), 1);
        // A changed byte: the writer refuses to go on.
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.iter().position(|&b| b == b'P').unwrap();
        bytes[at] = b'T';
        std::fs::write(&path, &bytes).unwrap();
        let refused = Writer::open(&path).err().unwrap();
        assert_eq!(refused.kind(), io::ErrorKind::InvalidData);
        assert!(refused.to_string().contains("record 1"), "{refused}");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    /// A client with a journal against the strict reference service, whose mint answers
    /// are all lost (committed, then the connection dropped): the mint ends unknown,
    /// and the next client resolves it by key with the ID committed the first time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lost_answer_is_resolved_by_the_next_client_with_the_first_id() {
        use chittyid_server::{FaultKind, Server, ServerConfig};
        let server = Server::start(ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            tokens: vec!["t0k".into()],
            seed: 7,
            ..ServerConfig::strict()
        })
        .await
        .unwrap();
        let path = temp("resolve");
        let client = |path: &Path| {
            Client::builder()
                .service_url(server.url())
                .token("t0k")
                .health_monitor(false)
                .journal(path)
                .build()
                .unwrap()
        };
        let first = client(&path);
        assert_eq!(first.journal_path(), Some(path.as_path()));
        // Learn that keys are honoured, then lose every mint answer.
        let _ = first.health().await;
        assert!(first.stats().keys_honoured);
        server.faults().set(FaultKind::DropAfterCommit, 1.0);
        let lost = first.mint(MintRequest::new(EntityType::Place)).await;
        assert!(
            matches!(
                lost,
                Err(MintError::OutcomeUnknown {
                    resend_safe: true,
                    ..
                })
            ),
            "{lost:?}"
        );
        assert_eq!(first.journal_unresolved(), Some(1));
        // While the first client has it, nobody else appends.
        let busy = Client::builder()
            .service_url(server.url())
            .health_monitor(false)
            .journal(&path)
            .build()
            .err();
        assert!(
            matches!(&busy, Some(crate::BuildError::Journal(e)) if e.contains("another process")),
            "{busy:?}"
        );
        drop(first);
        let journal = Journal::read(&path).unwrap();
        assert_eq!(journal.unresolved().len(), 1);
        assert_eq!(
            journal.unresolved()[0].last.as_ref().unwrap().result,
            OutcomeKind::Unknown
        );

        server.faults().set(FaultKind::DropAfterCommit, 0.0);
        let committed = server.stats().mints_committed;
        let second = client(&path);
        let resolution = second.resolve_journal().await;
        assert!(resolution.unresolved.is_empty(), "{resolution:?}");
        let [resolved] = &resolution.resolved[..] else {
            panic!("{resolution:?}")
        };
        let Ok(MintAnswer::Minted(id)) = resolved.result else {
            panic!("{resolution:?}")
        };
        assert_eq!(id.entity_type(), EntityType::Place);
        // The ID committed before the answers were lost: a replay, no new mint.
        assert_eq!(server.stats().mints_committed, committed);
        assert!(server.stats().mints_replayed > 0);
        assert_eq!(second.journal_unresolved(), Some(0));
        // Nothing left: a second resolution does nothing, and mints go on.
        assert!(second.resolve_journal().await.resolved.is_empty());
        let next = second.mint(MintRequest::new(EntityType::Place)).await;
        assert!(matches!(next, Ok(MintAnswer::Minted(other)) if other != id));
        drop(second);
        let journal = Journal::read(&path).unwrap();
        assert_eq!(
            (journal.damage.clone(), journal.unresolved()),
            (None, vec![])
        );
        let kinds: Vec<&str> = journal
            .records
            .iter()
            .map(|r| match &r.entry {
                Entry::Open { .. } => "open",
                Entry::Sent { resend: false, .. } => "sent",
                Entry::Sent { resend: true, .. } => "resend",
                Entry::Outcome { .. } => "outcome",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "open", "sent", "outcome", "open", "resend", "outcome", "sent", "outcome"
            ]
        );
        server.shutdown().await;
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
