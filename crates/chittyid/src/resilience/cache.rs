//! A fixed-capacity LRU cache with time-to-live, keyed by [`ChittyId`]. Get, insert and
//! eviction are O(1): a hash index with chains threaded through the slots, and a doubly
//! linked recency list, both as slot numbers inside one array of entries that the
//! caller provides (an array inline, a `&mut` slice, a boxed slice). Nothing moves and
//! nothing is allocated, at 32 entries or at 10 000.

use core::marker::PhantomData;
use core::time::Duration;

use super::time::Instant;
use crate::ChittyId;

const NIL: u32 = u32::MAX;

/// One entry of a cache's storage: a slot for one key, and the head of one hash bucket.
/// Make the storage with `CacheEntry::default()` (its contents are set when the cache
/// takes it). For a `bool` or a verdict an entry is 32 bytes, two to a cache line: the
/// fields are flat and the expiry takes six bytes, so that no entry straddles two lines
/// (at 40 bytes, lookups were a tenth slower).
#[derive(Debug, Clone, Copy)]
pub struct CacheEntry<V> {
    /// The key's packed bits (`ChittyId::bits`); meaningless while the slot is free.
    key: u64,
    value: V,
    /// When the entry expires, in milliseconds since `Instant::ZERO`, saturated at
    /// 48 bits: the low 32 and the high 16, two fields that pack beside the links (a
    /// struct of them would be padded to eight bytes).
    expires_low: u32,
    expires_high: u16,
    /// Towards the most recently used.
    newer: u32,
    /// Towards the least recently used (also the free list's link).
    older: u32,
    /// Next slot in the same hash bucket.
    chain: u32,
    /// The first slot of the hash bucket numbered as this entry (not this slot's own
    /// bucket): the index lives in the same storage.
    bucket: u32,
}

impl<V: Default> Default for CacheEntry<V> {
    fn default() -> Self {
        CacheEntry {
            key: 0,
            value: V::default(),
            expires_low: 0,
            expires_high: 0,
            newer: NIL,
            older: NIL,
            chain: NIL,
            bucket: NIL,
        }
    }
}

/// The latest expiry kept to the millisecond: 2^48 - 1 ms, 8 900 years.
const MAX_EXPIRY_MILLIS: u64 = (1 << 48) - 1;

impl<V> CacheEntry<V> {
    fn set_expiry(&mut self, at: Instant) {
        let millis = at.as_millis().min(MAX_EXPIRY_MILLIS);
        self.expires_low = millis as u32;
        self.expires_high = (millis >> 32) as u16;
    }

    fn expiry_millis(&self) -> u64 {
        u64::from(self.expires_high) << 32 | u64::from(self.expires_low)
    }

    /// Whether the entry is dead at `now`.
    fn expired(&self, now: Instant) -> bool {
        self.expiry_millis() <= now.as_millis().min(MAX_EXPIRY_MILLIS)
    }
}

/// What the cache has done since it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct CacheStats {
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing, or an expired entry.
    pub misses: u64,
    /// New entries and refreshed ones.
    pub inserts: u64,
    /// Live entries pushed out to make room.
    pub evictions: u64,
    /// Entries found expired (on lookup, or when their slot was reused).
    pub expirations: u64,
}

/// An entry pushed out by an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_structs,
    reason = "an entry is its key and its value"
)]
pub struct Evicted<V> {
    /// Its key.
    pub key: ChittyId,
    /// Its value.
    pub value: V,
}

/// An LRU cache of `V` in storage `S`: one [`CacheEntry`] per entry it can hold, in
/// memory the caller chooses. Storage of length 0 is a cache that keeps nothing.
/// Expiries are kept to the millisecond for 2^48 ms (8 900 years) from
/// [`Instant::ZERO`]; an entry set to expire later lives until then.
///
/// ```
/// use chittyid::ChittyId;
/// use chittyid::resilience::{Cache, CacheEntry, Instant};
/// use core::time::Duration;
///
/// let id: ChittyId = "03-1-USA-5537-P-2602-0-38".parse().unwrap();
/// // 32 entries inline; `Cache::with_storage` takes a slice or a boxed slice instead.
/// let mut cache: Cache<bool, [CacheEntry<bool>; 32]> = Cache::new();
/// let now = Instant::from_millis(0);
/// cache.insert(id, true, Duration::from_secs(300), now);
/// assert_eq!(cache.get(id, now), Some(true));
/// assert_eq!(cache.get(id, Instant::from_millis(300_000)), None); // expired
/// ```
#[derive(Debug, Clone)]
pub struct Cache<V, S> {
    entries: S,
    /// The entries in use: the storage's length, at most `NIL - 1`.
    capacity: u32,
    newest: u32,
    oldest: u32,
    free: u32,
    len: u32,
    stats: CacheStats,
    value: PhantomData<V>,
}

impl<V: Copy + Default, const N: usize> Default for Cache<V, [CacheEntry<V>; N]> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Copy + Default, const N: usize> Cache<V, [CacheEntry<V>; N]> {
    /// An empty cache of `N` entries held inline.
    pub fn new() -> Self {
        Cache::with_storage([CacheEntry::default(); N])
    }
}

impl<V: Copy + Default, S: AsRef<[CacheEntry<V>]> + AsMut<[CacheEntry<V>]>> Cache<V, S> {
    /// An empty cache in `entries` (whatever they held is overwritten): it holds as
    /// many entries as there are, up to `u32::MAX - 1`.
    pub fn with_storage(entries: S) -> Self {
        let capacity = entries.as_ref().len().min(NIL as usize - 1) as u32;
        let mut cache = Cache {
            entries,
            capacity,
            newest: NIL,
            oldest: NIL,
            free: NIL,
            len: 0,
            stats: CacheStats::default(),
            value: PhantomData,
        };
        cache.reset();
        cache
    }

    /// Empties every entry in place: all on the free list, every bucket empty.
    fn reset(&mut self) {
        let capacity = self.capacity as usize;
        for (i, entry) in self.entries.as_mut()[..capacity].iter_mut().enumerate() {
            *entry = CacheEntry::default();
            entry.older = if i + 1 < capacity { i as u32 + 1 } else { NIL };
        }
        self.newest = NIL;
        self.oldest = NIL;
        self.free = if capacity > 0 { 0 } else { NIL };
        self.len = 0;
    }

    fn slot(&self, index: u32) -> &CacheEntry<V> {
        &self.entries.as_ref()[index as usize]
    }

    fn slot_mut(&mut self, index: u32) -> &mut CacheEntry<V> {
        &mut self.entries.as_mut()[index as usize]
    }

    fn bucket_mut(&mut self, bucket: usize) -> &mut u32 {
        &mut self.entries.as_mut()[bucket].bucket
    }

    /// The number of entries held (expired ones included until they are found).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// The live value for `key`, which becomes the most recently used.
    #[inline]
    pub fn get(&mut self, key: ChittyId, now: Instant) -> Option<V> {
        let Some(index) = self.find(key) else {
            self.stats.misses += 1;
            return None;
        };
        if self.slot(index).expired(now) {
            self.remove(index);
            self.stats.expirations += 1;
            self.stats.misses += 1;
            return None;
        }
        self.stats.hits += 1;
        self.touch(index);
        Some(self.slot(index).value)
    }

    /// Inserts or refreshes `key` for `ttl`. When full, the least recently used entry
    /// makes room and is returned (unless it had expired anyway).
    pub fn insert(
        &mut self,
        key: ChittyId,
        value: V,
        ttl: Duration,
        now: Instant,
    ) -> Option<Evicted<V>> {
        self.stats.inserts += 1;
        if self.capacity == 0 {
            return None;
        }
        let expires = now.saturating_add(ttl);
        if let Some(index) = self.find(key) {
            let slot = self.slot_mut(index);
            slot.value = value;
            slot.set_expiry(expires);
            self.touch(index);
            return None;
        }
        let mut evicted = None;
        if self.free == NIL {
            let victim = self.oldest;
            let old = *self.slot(victim);
            if old.expired(now) {
                self.stats.expirations += 1;
            } else {
                self.stats.evictions += 1;
                evicted = Some(Evicted {
                    key: ChittyId::from_bits(old.key),
                    value: old.value,
                });
            }
            self.remove(victim);
        }
        let index = self.free;
        self.free = self.slot(index).older;
        let bucket = self.bucket_of(key.bits());
        let chain = *self.bucket_mut(bucket);
        let slot = self.slot_mut(index);
        slot.key = key.bits();
        slot.value = value;
        slot.set_expiry(expires);
        slot.newer = NIL;
        slot.older = NIL;
        slot.chain = chain;
        *self.bucket_mut(bucket) = index;
        self.link_newest(index);
        self.len += 1;
        evicted
    }

    /// Removes `key`; `true` if it was there.
    pub fn invalidate(&mut self, key: ChittyId) -> bool {
        match self.find(key) {
            Some(index) => {
                self.remove(index);
                true
            }
            None => false,
        }
    }

    /// Removes every entry, in place (the counters stay).
    pub fn clear(&mut self) {
        self.reset();
    }

    /// The bucket of a key (call only with a capacity above 0).
    #[inline]
    fn bucket_of(&self, key: u64) -> usize {
        let hash = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((u128::from(hash) * u128::from(self.capacity)) >> 64) as usize
    }

    #[inline]
    fn find(&self, key: ChittyId) -> Option<u32> {
        if self.capacity == 0 {
            return None;
        }
        let key = key.bits();
        let mut index = self.entries.as_ref()[self.bucket_of(key)].bucket;
        while index != NIL {
            let slot = self.slot(index);
            if slot.key == key {
                return Some(index);
            }
            index = slot.chain;
        }
        None
    }

    /// Makes `index` the most recently used.
    #[inline]
    fn touch(&mut self, index: u32) {
        if self.newest != index {
            self.unlink(index);
            self.link_newest(index);
        }
    }

    fn link_newest(&mut self, index: u32) {
        let newest = self.newest;
        let slot = self.slot_mut(index);
        slot.newer = NIL;
        slot.older = newest;
        if newest != NIL {
            self.slot_mut(newest).newer = index;
        } else {
            self.oldest = index;
        }
        self.newest = index;
    }

    fn unlink(&mut self, index: u32) {
        let CacheEntry { newer, older, .. } = *self.slot(index);
        if newer != NIL {
            self.slot_mut(newer).older = older;
        } else {
            self.newest = older;
        }
        if older != NIL {
            self.slot_mut(older).newer = newer;
        } else {
            self.oldest = newer;
        }
    }

    /// Takes `index` out of its bucket and the recency list, onto the free list.
    fn remove(&mut self, index: u32) {
        let bucket = self.bucket_of(self.slot(index).key);
        let next_in_chain = self.slot(index).chain;
        if *self.bucket_mut(bucket) == index {
            *self.bucket_mut(bucket) = next_in_chain;
        } else {
            let mut at = *self.bucket_mut(bucket);
            while at != NIL {
                if self.slot(at).chain == index {
                    self.slot_mut(at).chain = next_in_chain;
                    break;
                }
                at = self.slot(at).chain;
            }
        }
        self.unlink(index);
        let free = self.free;
        let slot = self.slot_mut(index);
        slot.chain = NIL;
        slot.newer = NIL;
        slot.older = free;
        self.free = index;
        self.len -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_of_a_flag_is_half_a_cache_line() {
        assert_eq!(core::mem::size_of::<CacheEntry<bool>>(), 32);
    }

    #[test]
    fn expiries_keep_milliseconds_and_saturate_past_48_bits() {
        let mut entry = CacheEntry::<bool>::default();
        // A Unix time in milliseconds is kept to the millisecond.
        let unix = Instant::from_millis(1_796_000_000_123);
        entry.set_expiry(unix);
        assert_eq!(entry.expiry_millis(), 1_796_000_000_123);
        assert!(!entry.expired(Instant::from_millis(1_796_000_000_122)));
        assert!(entry.expired(unix));
        // Beyond 48 bits, every moment is the last one: an entry that expires then is
        // alive until then, and dead at it.
        let far = Instant::from_millis(u64::MAX);
        entry.set_expiry(far);
        assert_eq!(entry.expiry_millis(), MAX_EXPIRY_MILLIS);
        assert!(!entry.expired(Instant::from_millis(MAX_EXPIRY_MILLIS - 1)));
        assert!(entry.expired(far));
    }

    #[test]
    fn a_far_expiry_is_a_live_entry() {
        let id: ChittyId = "03-1-USA-5537-P-2602-0-38".parse().unwrap();
        let mut cache: Cache<bool, [CacheEntry<bool>; 2]> = Cache::new();
        let now = Instant::from_millis(5);
        cache.insert(id, true, Duration::MAX, now);
        let in_a_thousand_years = Instant::from_millis(1_000 * 365 * 86_400_000);
        assert_eq!(cache.get(id, in_a_thousand_years), Some(true));
    }
}
