//! One journal record as one line of text, its checksum and its chain, and reading a
//! whole journal back (checking every record, telling a torn last record from damage).
//!
//! A record is `seq=N prev=XXXXXXXX kind=K field=value ... crc=XXXXXXXX` and a newline.
//! `crc` is the CRC-32 (IEEE) of every byte before ` crc=`; `prev` is the previous
//! record's `crc` (`00000000` for the first), `seq` its position from 0. Values are
//! drawn from `[0-9A-Za-z_./:-]` (IDs, hex keys, codes, numbers; `-` for none), so no
//! escaping is needed and a line reads the same in an editor, `grep` and `awk`.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chittyid::wire::{IdempotencyKey, MintRequest};
use chittyid::{ChittyId, EntityType, Jurisdiction, Region, TrustLevel};

/// The first record's `format` value.
pub const FORMAT: &str = "chittyid-journal/1";

/// CRC-32 (IEEE 802.3, reflected, as zlib and PNG compute it).
pub fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// What one record says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Entry {
    /// A client opened the journal (the first record is always one).
    Open {
        /// The client's process.
        pid: u32,
        /// Bytes of a torn last record (a write cut by a crash) removed before this
        /// record was appended; 0 when there were none.
        torn_bytes: u64,
    },
    /// A mint is about to be sent (written and synced before its first request).
    Sent {
        /// The mint's number: the `seq` of its first `sent` record.
        mint: u64,
        /// What was asked for.
        request: MintRequest,
        /// The `Idempotency-Key` its requests carry, if any.
        key: Option<IdempotencyKey>,
        /// A resend of an earlier mint with its key (to learn its outcome).
        resend: bool,
    },
    /// How a send of a mint ended.
    Outcome {
        /// The mint's number.
        mint: u64,
        /// How it ended.
        outcome: Outcome,
        /// Whether this settles the mint: an ID (final, pending or refused) came back,
        /// or no request of a first send can have reached the service.
        resolves: bool,
    },
}

/// How one send of a mint ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The kind of ending.
    pub result: OutcomeKind,
    /// The ID the service handed out: minted, pending fallback, refused fallback, or
    /// minted unlike the request.
    pub id: Option<ChittyId>,
    /// A code: the fallback code of a pending ID (`MINT_UNAVAILABLE`), or why a mint was
    /// refused (`token_refused`, `request_refused`, `rate_limited`, `unauthorized`,
    /// `rejected`).
    pub code: Option<String>,
    /// Requests sent.
    pub attempts: u8,
}

/// The kinds of [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutcomeKind {
    /// A final ID.
    Minted,
    /// A fallback ID, pending (with its code).
    Pending,
    /// Refused by the service (with the fallback ID it handed out, if any).
    Refused,
    /// Minted, but not what was asked for (the ID is real).
    Mismatch,
    /// Not answered, and no request can have reached the service.
    Unavailable,
    /// A request may have reached the service and no usable answer came.
    Unknown,
    /// Any other ending.
    Other,
}

impl OutcomeKind {
    /// The name used in the journal.
    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Minted => "minted",
            OutcomeKind::Pending => "pending",
            OutcomeKind::Refused => "refused",
            OutcomeKind::Mismatch => "mismatch",
            OutcomeKind::Unavailable => "unavailable",
            OutcomeKind::Unknown => "outcome_unknown",
            OutcomeKind::Other => "other",
        }
    }

    fn from_name(name: &str) -> Option<OutcomeKind> {
        [
            OutcomeKind::Minted,
            OutcomeKind::Pending,
            OutcomeKind::Refused,
            OutcomeKind::Mismatch,
            OutcomeKind::Unavailable,
            OutcomeKind::Unknown,
            OutcomeKind::Other,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// One intact record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// Its position, from 0.
    pub seq: u64,
    /// Its byte offset in the file.
    pub offset: u64,
    /// Its checksum.
    pub crc: u32,
    /// The previous record's checksum (0 for the first).
    pub prev: u32,
    /// When it was written, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// What it says.
    pub entry: Entry,
}

/// The first record that is not intact, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Damage {
    /// Its position (the number of intact records before it).
    pub record: u64,
    /// Its byte offset.
    pub offset: u64,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} (line {}, byte {}): {}",
            self.record,
            self.record + 1,
            self.offset,
            self.reason
        )
    }
}

/// An incomplete last record: the start of a record, with no newline after it. A write
/// cut by a crash (`kill -9`, power loss) leaves one; the records before it are intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TornTail {
    /// Its byte offset (the length of the intact part).
    pub offset: u64,
    /// Its length.
    pub bytes: u64,
}

/// A mint the journal does not show settled: sent (it may have reached the service)
/// and never answered with an ID, nor known not to have arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unresolved {
    /// The mint's number.
    pub mint: u64,
    /// What was asked for.
    pub request: MintRequest,
    /// Its key: with a service that honours keys, a resend with it learns the outcome.
    pub key: Option<IdempotencyKey>,
    /// Sends recorded (the first and any resends).
    pub sends: u32,
    /// The last outcome recorded, if any (`None`: the client stopped before it knew).
    pub last: Option<Outcome>,
}

/// Every mint's state, built record by record (by the reader and by the writer).
#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger {
    mints: BTreeMap<u64, MintState>,
}

#[derive(Debug, Clone)]
struct MintState {
    request: MintRequest,
    key: Option<IdempotencyKey>,
    sends: u32,
    last: Option<Outcome>,
    resolved: bool,
    /// The last record is a `sent` with no outcome after it.
    in_flight: bool,
}

impl Ledger {
    /// Checks that `entry` fits what came before, at position `seq`.
    pub(crate) fn check(&self, seq: u64, entry: &Entry) -> Result<(), String> {
        match entry {
            Entry::Open { .. } => Ok(()),
            Entry::Sent {
                mint,
                resend: false,
                ..
            } if *mint != seq => Err(format!("a first send names mint {mint}, not its own seq")),
            Entry::Sent { resend: false, .. } => Ok(()),
            Entry::Sent {
                mint,
                request,
                key,
                resend: true,
            } => {
                let state = self
                    .mints
                    .get(mint)
                    .ok_or_else(|| format!("a resend of mint {mint}, which was never sent"))?;
                if state.key.is_none() || *key != state.key || *request != state.request {
                    return Err(format!(
                        "a resend of mint {mint} with another request or key"
                    ));
                }
                Ok(())
            }
            Entry::Outcome { mint, .. } => self
                .mints
                .get(mint)
                .map(|_| ())
                .ok_or_else(|| format!("an outcome of mint {mint}, which was never sent")),
        }
    }

    /// Checks `entry` (see [`Ledger::check`]) and takes it in; on an error nothing
    /// changes.
    pub(crate) fn apply(&mut self, seq: u64, entry: &Entry) -> Result<(), String> {
        self.check(seq, entry)?;
        match entry {
            Entry::Open { .. } => {}
            Entry::Sent {
                request,
                key,
                resend: false,
                ..
            } => {
                self.mints.insert(
                    seq,
                    MintState {
                        request: *request,
                        key: *key,
                        sends: 1,
                        last: None,
                        resolved: false,
                        in_flight: true,
                    },
                );
            }
            Entry::Sent { mint, .. } => {
                if let Some(state) = self.mints.get_mut(mint) {
                    state.sends += 1;
                    state.in_flight = true;
                }
            }
            Entry::Outcome {
                mint,
                outcome,
                resolves,
            } => {
                if let Some(state) = self.mints.get_mut(mint) {
                    state.last = Some(outcome.clone());
                    state.resolved |= *resolves;
                    state.in_flight = false;
                }
            }
        }
        Ok(())
    }

    /// The mints not settled, in order.
    pub(crate) fn unresolved(&self) -> Vec<Unresolved> {
        self.mints
            .iter()
            .filter(|(_, m)| !m.resolved)
            .map(|(&mint, m)| Unresolved {
                mint,
                request: m.request,
                key: m.key,
                sends: m.sends,
                last: m.last.clone(),
            })
            .collect()
    }

    /// Whether mint `n` is settled.
    pub(crate) fn is_resolved(&self, n: u64) -> bool {
        self.mints.get(&n).is_some_and(|m| m.resolved)
    }

    /// Whether mint `n` has a send with no outcome after it.
    pub(crate) fn is_in_flight(&self, n: u64) -> bool {
        self.mints.get(&n).is_some_and(|m| m.in_flight)
    }

    /// The first mint sent with this key.
    pub(crate) fn mint_with_key(&self, key: &IdempotencyKey) -> Option<u64> {
        self.mints
            .iter()
            .find(|(_, m)| m.key.as_ref() == Some(key))
            .map(|(&n, _)| n)
    }
}

fn opt<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "-".to_string(), show)
}

/// The record's line, newline included, with its checksum.
pub(crate) fn encode(seq: u64, prev: u32, at_ms: u64, entry: &Entry) -> (String, u32) {
    let mut line = format!("seq={seq} prev={prev:08x} at={at_ms} ");
    // Writing into a String cannot fail.
    let _ = match entry {
        Entry::Open { pid, torn_bytes } => write!(
            line,
            "kind=open format={FORMAT} pid={pid} torn={torn_bytes}"
        ),
        Entry::Sent {
            mint,
            request,
            key,
            resend,
        } => write!(
            line,
            "kind=sent mint={mint} entity={} region={} jurisdiction={} trust={} key={} resend={}",
            request.entity_type.code(),
            opt(request.region, |r| r.digit().to_string()),
            opt(request.jurisdiction, |j| j.as_str().to_string()),
            opt(request.trust_level, |t| t.digit().to_string()),
            opt(key.as_ref(), |k| k.as_str().to_string()),
            u8::from(*resend),
        ),
        Entry::Outcome {
            mint,
            outcome,
            resolves,
        } => write!(
            line,
            "kind=outcome mint={mint} result={} id={} code={} attempts={} resolves={}",
            outcome.result.name(),
            opt(outcome.id, |id| id.to_string()),
            opt(outcome.code.as_deref(), str::to_string),
            outcome.attempts,
            u8::from(*resolves),
        ),
    };
    let crc = crc32(line.as_bytes());
    let _ = writeln!(line, " crc={crc:08x}");
    (line, crc)
}

/// The fields of a line, in order.
struct Fields<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> Result<&'a str, String> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("no {name}= field"))
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, String> {
        let text = self.get(name)?;
        text.parse()
            .map_err(|_| format!("{name}={text} is not a number"))
    }

    fn optional(&self, name: &str) -> Result<Option<&'a str>, String> {
        Ok(Some(self.get(name)?).filter(|v| *v != "-"))
    }

    fn flag(&self, name: &str) -> Result<bool, String> {
        match self.get(name)? {
            "0" => Ok(false),
            "1" => Ok(true),
            other => Err(format!("{name}={other} is not 0 or 1")),
        }
    }
}

fn hex32(text: &str) -> Option<u32> {
    (text.len() == 8 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| u32::from_str_radix(text, 16).ok())
        .flatten()
}

fn digit<T>(
    text: Option<&str>,
    from: impl Fn(u8) -> Option<T>,
    what: &str,
) -> Result<Option<T>, String> {
    text.map(|t| match t.as_bytes() {
        [d @ b'0'..=b'9'] => from(d - b'0').ok_or_else(|| format!("{what}={t} is out of range")),
        _ => Err(format!("{what}={t} is not a digit")),
    })
    .transpose()
}

/// Checks one line (without its newline) at position `seq` after a record whose
/// checksum was `prev`.
fn decode(line: &[u8], seq: u64, prev: u32, offset: u64) -> Result<Record, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8 text".to_string())?;
    let (body, crc_text) = text
        .rsplit_once(" crc=")
        .ok_or_else(|| "no crc= field at its end".to_string())?;
    let crc = hex32(crc_text).ok_or_else(|| format!("crc={crc_text} is not 8 hex digits"))?;
    let actual = crc32(body.as_bytes());
    if actual != crc {
        return Err(format!(
            "checksum mismatch: the record says {crc:08x}, its bytes give {actual:08x} (changed or corrupted)"
        ));
    }
    let mut fields = Vec::new();
    for token in body.split(' ') {
        let (name, value) = token
            .split_once('=')
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
            .ok_or_else(|| format!("{token:?} is not name=value"))?;
        fields.push((name, value));
    }
    let fields = Fields(fields);
    let found_seq: u64 = fields.number("seq")?;
    if found_seq != seq {
        return Err(format!(
            "out of order: seq={found_seq} where record {seq} belongs (records removed, repeated or reordered)"
        ));
    }
    let found_prev = fields.get("prev")?;
    if hex32(found_prev) != Some(prev) {
        return Err(format!(
            "broken chain: prev={found_prev}, but the record before ends with crc={prev:08x}"
        ));
    }
    let at_ms = fields.number("at")?;
    let entry = match fields.get("kind")? {
        "open" => {
            let format = fields.get("format")?;
            if format != FORMAT {
                return Err(format!("format={format}, expected {FORMAT}"));
            }
            Entry::Open {
                pid: fields.number("pid")?,
                torn_bytes: fields.number("torn")?,
            }
        }
        "sent" => {
            let entity = fields.get("entity")?;
            let entity_type = match entity.as_bytes() {
                [code] => EntityType::from_code(*code),
                _ => None,
            }
            .ok_or_else(|| format!("entity={entity} is not P, L, T, E or A"))?;
            let mut request = MintRequest::new(entity_type);
            request.region = digit(fields.optional("region")?, Region::from_digit, "region")?;
            request.trust_level =
                digit(fields.optional("trust")?, TrustLevel::from_digit, "trust")?;
            request.jurisdiction = fields
                .optional("jurisdiction")?
                .map(|j| {
                    <[u8; 3]>::try_from(j.as_bytes())
                        .ok()
                        .and_then(Jurisdiction::new)
                        .ok_or_else(|| format!("jurisdiction={j} is not three letters"))
                })
                .transpose()?;
            let key = fields
                .optional("key")?
                .map(|k| IdempotencyKey::parse(k).ok_or_else(|| format!("key={k} is not a key")))
                .transpose()?;
            Entry::Sent {
                mint: fields.number("mint")?,
                request,
                key,
                resend: fields.flag("resend")?,
            }
        }
        "outcome" => {
            let result = fields.get("result")?;
            let id = fields
                .optional("id")?
                .map(|id| ChittyId::parse(id).map_err(|e| format!("id={id}: {e}")))
                .transpose()?;
            Entry::Outcome {
                mint: fields.number("mint")?,
                outcome: Outcome {
                    result: OutcomeKind::from_name(result)
                        .ok_or_else(|| format!("result={result} is unknown"))?,
                    id,
                    code: fields.optional("code")?.map(str::to_string),
                    attempts: fields.number("attempts")?,
                },
                resolves: fields.flag("resolves")?,
            }
        }
        other => return Err(format!("kind={other} is unknown")),
    };
    if seq == 0 && !matches!(entry, Entry::Open { .. }) {
        return Err("the first record is not kind=open".to_string());
    }
    Ok(Record {
        seq,
        offset,
        crc,
        prev,
        at_ms,
        entry,
    })
}

/// Whether `tail` (the bytes after the last newline) is the start of the record that
/// belongs there: what a cut write leaves.
fn is_torn_start(tail: &[u8], seq: u64, prev: u32) -> bool {
    let expected = format!("seq={seq} prev={prev:08x} ");
    let expected = expected.as_bytes();
    if tail.len() <= expected.len() {
        return expected.starts_with(tail);
    }
    tail.starts_with(expected) && tail.iter().all(|b| (0x20..0x7f).contains(b))
}

/// A journal read back and checked.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Journal {
    /// Every intact record, up to the first damaged one.
    pub records: Vec<Record>,
    /// The first record that is not intact (checksum, order, chain or content).
    pub damage: Option<Damage>,
    /// An incomplete last record (a cut write), when the file ends in one.
    pub torn_tail: Option<TornTail>,
    /// The length of the intact part, in bytes.
    pub intact_len: u64,
    pub(crate) ledger: Ledger,
}

impl Journal {
    /// Reads and checks the journal at `path`.
    pub fn read(path: impl AsRef<std::path::Path>) -> std::io::Result<Journal> {
        Ok(Journal::from_bytes(&std::fs::read(path)?))
    }

    /// Checks a journal's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Journal {
        let mut journal = Journal::default();
        let mut offset = 0usize;
        let mut prev = 0u32;
        while offset < bytes.len() {
            let seq = journal.records.len() as u64;
            let rest = &bytes[offset..];
            let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                if is_torn_start(rest, seq, prev) {
                    journal.torn_tail = Some(TornTail {
                        offset: offset as u64,
                        bytes: rest.len() as u64,
                    });
                } else {
                    journal.damage = Some(Damage {
                        record: seq,
                        offset: offset as u64,
                        reason: "bytes after the last record that do not start the next one \
                                 (not a cut write)"
                            .to_string(),
                    });
                }
                break;
            };
            let decoded = decode(&rest[..end], seq, prev, offset as u64).and_then(|record| {
                journal.ledger.apply(seq, &record.entry)?;
                Ok(record)
            });
            match decoded {
                Ok(record) => {
                    prev = record.crc;
                    journal.records.push(record);
                    offset += end + 1;
                }
                Err(reason) => {
                    journal.damage = Some(Damage {
                        record: seq,
                        offset: offset as u64,
                        reason,
                    });
                    break;
                }
            }
        }
        journal.intact_len = offset as u64;
        journal
    }

    /// The mints not settled, in order.
    pub fn unresolved(&self) -> Vec<Unresolved> {
        self.ledger.unresolved()
    }

    /// The last intact record's checksum (`None` when there is none): note it
    /// elsewhere to detect a later truncation at a record boundary (see
    /// [`Journal::contains_head`]).
    pub fn head(&self) -> Option<u32> {
        self.records.last().map(|r| r.crc)
    }

    /// Whether an intact record has this checksum: a head noted earlier is still in
    /// the journal (it was not cut back before it).
    pub fn contains_head(&self, crc: u32) -> bool {
        self.records.iter().any(|r| r.crc == crc)
    }

    pub(crate) fn prev(&self) -> u32 {
        self.head().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seq: u64) -> u64 {
        1_700_000_000_000 + seq
    }

    fn key(n: u8) -> IdempotencyKey {
        IdempotencyKey::parse(&format!("{:032x}", u128::from(n) * 0x1234_5678_9abc)).unwrap()
    }

    /// A journal of `entries`, as the writer would put them.
    fn build(entries: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = 0;
        for (seq, entry) in entries.iter().enumerate() {
            let (line, crc) = encode(seq as u64, prev, at(seq as u64), entry);
            out.extend_from_slice(line.as_bytes());
            prev = crc;
        }
        out
    }

    fn sample() -> Vec<Entry> {
        let request = MintRequest::new(EntityType::Person)
            .with_region(Region::Europe)
            .with_jurisdiction(Jurisdiction::new(*b"GBR").unwrap())
            .with_trust_level(TrustLevel::Standard);
        let minted = Outcome {
            result: OutcomeKind::Minted,
            id: Some(ChittyId::parse("03-1-USA-5537-P-2602-0-38").unwrap()),
            code: None,
            attempts: 1,
        };
        let unknown = Outcome {
            result: OutcomeKind::Unknown,
            id: None,
            code: None,
            attempts: 2,
        };
        vec![
            Entry::Open {
                pid: 7,
                torn_bytes: 0,
            },
            Entry::Sent {
                mint: 1,
                request,
                key: Some(key(1)),
                resend: false,
            },
            Entry::Outcome {
                mint: 1,
                outcome: minted.clone(),
                resolves: true,
            },
            Entry::Sent {
                mint: 3,
                request: MintRequest::new(EntityType::Thing),
                key: Some(key(2)),
                resend: false,
            },
            Entry::Outcome {
                mint: 3,
                outcome: unknown,
                resolves: false,
            },
            Entry::Sent {
                mint: 5,
                request: MintRequest::new(EntityType::Event),
                key: None,
                resend: false,
            },
        ]
    }

    #[test]
    fn crc32_is_the_ieee_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn records_round_trip_and_unresolved_mints_are_listed() {
        let entries = sample();
        let bytes = build(&entries);
        let journal = Journal::from_bytes(&bytes);
        assert_eq!(journal.damage, None);
        assert_eq!(journal.torn_tail, None);
        assert_eq!(journal.intact_len, bytes.len() as u64);
        let read: Vec<Entry> = journal.records.iter().map(|r| r.entry.clone()).collect();
        assert_eq!(read, entries);
        for pair in journal.records.windows(2) {
            assert_eq!(pair[1].prev, pair[0].crc);
        }
        let unresolved: Vec<u64> = journal.unresolved().iter().map(|u| u.mint).collect();
        assert_eq!(unresolved, [3, 5]);
        assert_eq!(journal.unresolved()[0].key, Some(key(2)));
        assert!(journal.contains_head(journal.head().unwrap()));
    }

    #[test]
    fn a_resend_that_gets_the_id_resolves_the_mint() {
        let mut entries = sample();
        let Entry::Sent { request, key, .. } = entries[3].clone() else {
            unreachable!()
        };
        entries.push(Entry::Sent {
            mint: 3,
            request,
            key,
            resend: true,
        });
        entries.push(Entry::Outcome {
            mint: 3,
            outcome: Outcome {
                result: OutcomeKind::Minted,
                id: Some(ChittyId::parse("03-1-USA-5537-P-2602-0-38").unwrap()),
                code: None,
                attempts: 1,
            },
            resolves: true,
        });
        let journal = Journal::from_bytes(&build(&entries));
        assert_eq!(journal.damage, None);
        let unresolved: Vec<u64> = journal.unresolved().iter().map(|u| u.mint).collect();
        assert_eq!(unresolved, [5]);
    }

    #[test]
    fn every_cut_of_the_last_record_is_a_torn_tail_and_keeps_the_rest() {
        let bytes = build(&sample());
        let last_start = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
            + 1;
        for cut in last_start + 1..bytes.len() {
            let journal = Journal::from_bytes(&bytes[..cut]);
            assert_eq!(journal.damage, None, "cut at {cut}");
            assert_eq!(
                journal.torn_tail,
                Some(TornTail {
                    offset: last_start as u64,
                    bytes: (cut - last_start) as u64
                }),
                "cut at {cut}"
            );
            assert_eq!(journal.records.len(), sample().len() - 1);
        }
        // Cut exactly at a record boundary: a shorter intact journal, whose head is
        // not the one noted before the cut.
        let whole = Journal::from_bytes(&bytes);
        let cut = Journal::from_bytes(&bytes[..last_start]);
        assert_eq!((cut.damage.clone(), cut.torn_tail), (None, None));
        assert!(!cut.contains_head(whole.head().unwrap()));
    }

    #[test]
    fn a_changed_byte_anywhere_is_damage_at_its_record() {
        let bytes = build(&sample());
        let starts: Vec<usize> = std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x20] {
                let mut damaged = bytes.clone();
                damaged[i] ^= flip;
                let record = starts.iter().rposition(|&s| s <= i).unwrap() as u64;
                let journal = Journal::from_bytes(&damaged);
                if i == bytes.len() - 1 && journal.damage.is_none() {
                    // The last newline changed: the last record reads as one cut
                    // before its end (a torn tail), which is what such a file is.
                    assert!(journal.torn_tail.is_some(), "byte {i} ^ {flip:#x}");
                    continue;
                }
                // A newline turned into something else joins two records; anything
                // else is caught in its own record.
                let damage = journal
                    .damage
                    .unwrap_or_else(|| panic!("byte {i} ^ {flip:#x} not detected"));
                assert!(
                    damage.record == record || damage.record + 1 == record,
                    "byte {i}: {damage}"
                );
                assert_eq!(journal.records.len() as u64, damage.record);
            }
        }
    }

    #[test]
    fn reordered_removed_or_repeated_records_break_the_chain() {
        let bytes = build(&sample());
        let text = std::str::from_utf8(&bytes).unwrap();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let join = |order: &[usize]| order.iter().map(|&i| lines[i]).collect::<String>();
        for (order, bad) in [
            (&[0, 2, 1, 3, 4, 5][..], 1),
            (&[0, 1, 3, 4, 5][..], 2),
            (&[0, 1, 1, 2, 3, 4, 5][..], 2),
            (&[1, 2, 3, 4, 5][..], 0),
        ] {
            let journal = Journal::from_bytes(join(order).as_bytes());
            let damage = journal.damage.expect("detected");
            assert_eq!(damage.record, bad, "{order:?}: {damage}");
        }
        // A record rewritten with a valid checksum of its own still breaks the chain
        // of the record after it.
        let forged = encode(
            2,
            Journal::from_bytes(join(&[0, 1]).as_bytes()).prev(),
            at(2),
            &Entry::Outcome {
                mint: 1,
                outcome: Outcome {
                    result: OutcomeKind::Unavailable,
                    id: None,
                    code: None,
                    attempts: 1,
                },
                resolves: true,
            },
        )
        .0;
        let tampered = format!("{}{}{}", join(&[0, 1]), forged, join(&[3, 4, 5]));
        let damage = Journal::from_bytes(tampered.as_bytes()).damage.unwrap();
        assert_eq!(damage.record, 3, "{damage}");
        assert!(damage.reason.starts_with("broken chain"), "{damage}");
    }

    #[test]
    fn garbage_after_the_last_record_is_damage_not_a_torn_tail() {
        let mut bytes = build(&sample());
        bytes.extend_from_slice(b"hello");
        let journal = Journal::from_bytes(&bytes);
        assert_eq!(journal.torn_tail, None);
        assert_eq!(journal.damage.unwrap().record, 6);
        let mut bytes = build(&sample());
        bytes.extend_from_slice(b"seq=6 prev=00000000 at=1");
        assert_eq!(Journal::from_bytes(&bytes).damage.unwrap().record, 6);
    }

    #[test]
    fn outcomes_and_resends_must_name_a_mint_that_was_sent() {
        let mut entries = sample();
        entries.push(Entry::Outcome {
            mint: 4,
            outcome: Outcome {
                result: OutcomeKind::Unavailable,
                id: None,
                code: None,
                attempts: 0,
            },
            resolves: true,
        });
        let damage = Journal::from_bytes(&build(&entries)).damage.unwrap();
        assert_eq!(damage.record, 6, "{damage}");
        let mut entries = sample();
        entries.push(Entry::Sent {
            mint: 5,
            request: MintRequest::new(EntityType::Event),
            key: None,
            resend: true,
        });
        let damage = Journal::from_bytes(&build(&entries)).damage.unwrap();
        assert_eq!(damage.record, 6, "{damage}");
    }
}
