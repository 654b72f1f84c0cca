//! Durable storage in redb: minted IDs, sequence counters, idempotency keys, fallback
//! replacements (strict profile) and the requests behind pending fallback IDs (real
//! profile, kept 7 days). A mint is committed (and synced) before it is answered, so a `kill -9`
//! loses no ID a client received, and a sequence is never handed out twice. Every write
//! asks the store's write check first, so the `storage-fail` fault can refuse it.

use std::path::Path;
use std::sync::Arc;

use chittyid::{ChittyId, EntityType, FallbackCode, Jurisdiction, Parts, Region, TrustLevel};
use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};

use crate::clock::{current_year_month, unix_millis};

/// ID → entity type code and creation time (`P:1767225600000`).
const IDS: TableDefinition<&str, &str> = TableDefinition::new("ids");
/// `region-jurisdiction-type` → the last sequence handed out.
const SEQUENCES: TableDefinition<&str, u16> = TableDefinition::new("sequences");
/// Idempotency key → `fingerprint\nid\ncreated_ms`.
const KEYS: TableDefinition<&str, &str> = TableDefinition::new("idempotency_keys");
/// Fallback ID issued → its replacement once validated (empty until then).
const FALLBACKS: TableDefinition<&str, &str> = TableDefinition::new("fallbacks");

/// Fallback ID issued by the real front → `expires_ms\nrecord JSON`.
const PENDING: TableDefinition<&str, &str> = TableDefinition::new("pending_fallbacks");

/// How long an idempotency key is remembered.
const KEY_LIFETIME_MS: u64 = 24 * 3600 * 1000;

/// What a mint asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MintSpec {
    /// Entity type.
    pub entity_type: EntityType,
    /// Region.
    pub region: Region,
    /// Jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// Trust level.
    pub trust_level: TrustLevel,
}

/// How a mint went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Minted {
    /// A new ID, committed.
    New(ChittyId),
    /// The ID an earlier request with the same key and body got.
    Replayed(ChittyId),
}

/// Why the store refused or failed.
#[derive(Debug)]
pub enum StoreError {
    /// The same idempotency key came with a different body.
    KeyReused,
    /// All 10 000 sequences of this region, jurisdiction and type are used.
    SequencesExhausted,
    /// The write was refused (the injected `storage-fail` fault).
    Refused,
    /// The database failed.
    Database(redb::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::KeyReused => f.write_str("idempotency key reused with a different request"),
            StoreError::SequencesExhausted => {
                f.write_str("no sequence left for this region, jurisdiction and type")
            }
            StoreError::Refused => f.write_str("storage: write refused (injected storage-fail)"),
            StoreError::Database(e) => write!(f, "storage: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl<E: Into<redb::Error>> From<E> for StoreError {
    fn from(e: E) -> StoreError {
        StoreError::Database(e.into())
    }
}

/// Asked before each write; `true` refuses it.
pub type WriteCheck = Arc<dyn Fn() -> bool + Send + Sync>;

/// The service's storage; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    refuse: Option<WriteCheck>,
}

impl Store {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(redb::Error::Io(e)))?;
        let db = Database::create(dir.join("chittyid.redb"))?;
        let txn = db.begin_write()?;
        txn.open_table(IDS)?;
        txn.open_table(SEQUENCES)?;
        txn.open_table(KEYS)?;
        txn.open_table(FALLBACKS)?;
        txn.open_table(PENDING)?;
        txn.commit()?;
        Ok(Store {
            db: Arc::new(db),
            refuse: None,
        })
    }

    /// The same store, asking `check` before each write from now on.
    pub fn with_write_check(self, check: WriteCheck) -> Store {
        Store {
            refuse: Some(check),
            ..self
        }
    }

    /// A write transaction, unless the write check refuses it.
    fn begin_write(&self) -> Result<WriteTransaction, StoreError> {
        if self.refuse.as_ref().is_some_and(|refuse| refuse()) {
            return Err(StoreError::Refused);
        }
        Ok(self.db.begin_write()?)
    }

    /// Mints one ID for `spec`, or replays the one an earlier request with the same
    /// `key` and `fingerprint` got. Committed durably before it returns.
    pub fn mint(
        &self,
        spec: MintSpec,
        key: Option<&str>,
        fingerprint: &str,
    ) -> Result<Minted, StoreError> {
        let now = unix_millis();
        let txn = self.begin_write()?;
        let minted = {
            let mut keys = txn.open_table(KEYS)?;
            if let Some(key) = key {
                let stored = keys.get(key)?.map(|v| v.value().to_string());
                if let Some(stored) = stored {
                    let mut fields = stored.split('\n');
                    let (old_fingerprint, id, created) =
                        (fields.next(), fields.next(), fields.next());
                    let created: u64 = created.and_then(|c| c.parse().ok()).unwrap_or(0);
                    if now.saturating_sub(created) < KEY_LIFETIME_MS {
                        if old_fingerprint != Some(fingerprint) {
                            return Err(StoreError::KeyReused);
                        }
                        if let Some(id) = id.and_then(|id| ChittyId::parse(id).ok()) {
                            return Ok(Minted::Replayed(id));
                        }
                    }
                }
            }
            let mut sequences = txn.open_table(SEQUENCES)?;
            let counter = format!(
                "{}-{}-{}",
                spec.region.digit(),
                spec.jurisdiction,
                spec.entity_type.code()
            );
            let last = sequences.get(counter.as_str())?.map(|v| v.value());
            let sequence = match last {
                None => 1,
                Some(9999) => return Err(StoreError::SequencesExhausted),
                Some(n) => n + 1,
            };
            sequences.insert(counter.as_str(), sequence)?;
            let id = ChittyId::new(Parts {
                version: 3,
                region: spec.region,
                jurisdiction: spec.jurisdiction,
                sequence,
                entity_type: spec.entity_type,
                year_month: current_year_month(),
                trust_level: spec.trust_level,
            })
            .map_err(|_| StoreError::SequencesExhausted)?;
            let text = id.to_string();
            txn.open_table(IDS)?.insert(
                text.as_str(),
                format!("{}:{now}", spec.entity_type.code()).as_str(),
            )?;
            if let Some(key) = key {
                keys.insert(key, format!("{fingerprint}\n{text}\n{now}").as_str())?;
            }
            Minted::New(id)
        };
        txn.commit()?;
        Ok(minted)
    }

    /// Records a fallback ID as issued (pending replacement).
    pub fn issue_fallback(&self, entity_type: EntityType) -> Result<ChittyId, StoreError> {
        let id = ChittyId::fallback(
            3,
            FallbackCode::MINT_UNAVAILABLE,
            entity_type,
            current_year_month(),
        )
        .expect("version 3 and a full year-month make a valid fallback ID");
        let txn = self.begin_write()?;
        txn.open_table(FALLBACKS)?
            .insert(id.to_string().as_str(), "")?;
        txn.commit()?;
        Ok(id)
    }

    /// `true` when this service minted `id`.
    pub fn is_minted(&self, id: ChittyId) -> Result<bool, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(IDS)?.get(id.to_string().as_str())?.is_some())
    }

    /// The replacement of a fallback ID this service issued, minted on first request;
    /// `None` when it did not issue it.
    pub fn replace_fallback(
        &self,
        fallback: ChittyId,
        spec: MintSpec,
    ) -> Result<Option<ChittyId>, StoreError> {
        let text = fallback.to_string();
        let existing = {
            let txn = self.db.begin_read()?;
            txn.open_table(FALLBACKS)?
                .get(text.as_str())?
                .map(|v| v.value().to_string())
        };
        match existing {
            None => Ok(None),
            Some(done) if !done.is_empty() => Ok(ChittyId::parse(&done).ok()),
            Some(_) => {
                // The key makes concurrent replacements of one fallback mint once.
                let minted = self.mint(spec, Some(&format!("replace:{text}")), "replace")?;
                let id = match minted {
                    Minted::New(id) | Minted::Replayed(id) => id,
                };
                let txn = self.begin_write()?;
                txn.open_table(FALLBACKS)?
                    .insert(text.as_str(), id.to_string().as_str())?;
                txn.commit()?;
                Ok(Some(id))
            }
        }
    }

    /// Keeps `record` (the request behind a fallback ID) under `id` for `ttl_ms`,
    /// replacing what was there.
    pub fn put_pending(&self, id: &str, record: &str, ttl_ms: u64) -> Result<(), StoreError> {
        let expires = unix_millis().saturating_add(ttl_ms);
        let txn = self.begin_write()?;
        txn.open_table(PENDING)?
            .insert(id, format!("{expires}\n{record}").as_str())?;
        txn.commit()?;
        Ok(())
    }

    /// The record kept under a fallback ID, unless there is none or it has expired.
    pub fn pending(&self, id: &str) -> Result<Option<String>, StoreError> {
        let txn = self.db.begin_read()?;
        let stored = txn
            .open_table(PENDING)?
            .get(id)?
            .map(|v| v.value().to_string());
        Ok(stored.and_then(|stored| {
            let (expires, record) = stored.split_once('\n')?;
            let expires: u64 = expires.parse().ok()?;
            (unix_millis() < expires).then(|| record.to_string())
        }))
    }

    /// Forgets the record kept under a fallback ID.
    pub fn delete_pending(&self, id: &str) -> Result<(), StoreError> {
        let txn = self.begin_write()?;
        txn.open_table(PENDING)?.remove(id)?;
        txn.commit()?;
        Ok(())
    }

    /// How many IDs have been minted.
    pub fn minted_count(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(IDS)?.len()?)
    }
}
