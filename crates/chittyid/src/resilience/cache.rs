//! A fixed-capacity LRU cache with time-to-live, keyed by [`ChittyId`]. Get, insert and
//! eviction are O(1): a hash index with chains threaded through the slots, and a doubly
//! linked recency list, both as slot numbers inside one fixed array. Nothing moves and
//! nothing is allocated, at 32 entries or at 10 000.

use core::time::Duration;

use super::time::Instant;
use crate::ChittyId;

const NIL: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Slot<V> {
    /// The key's packed bits (`ChittyId::bits`); meaningless while the slot is free.
    key: u64,
    value: V,
    expires: Instant,
    /// Towards the most recently used.
    newer: u32,
    /// Towards the least recently used (also the free list's link).
    older: u32,
    /// Next slot in the same hash bucket.
    chain: u32,
}

/// What the cache has done since it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
pub struct Evicted<V> {
    /// Its key.
    pub key: ChittyId,
    /// Its value.
    pub value: V,
}

/// An LRU cache of at most `N` entries of `V`, each with its own expiry.
///
/// ```
/// use chittyid::ChittyId;
/// use chittyid::resilience::{Cache, Instant};
/// use core::time::Duration;
///
/// let id: ChittyId = "03-1-USA-5537-P-2602-0-38".parse().unwrap();
/// let mut cache: Cache<bool, 32> = Cache::new();
/// let now = Instant::from_millis(0);
/// cache.insert(id, true, Duration::from_secs(300), now);
/// assert_eq!(cache.get(id, now), Some(true));
/// assert_eq!(cache.get(id, Instant::from_millis(300_000)), None); // expired
/// ```
#[derive(Debug, Clone)]
pub struct Cache<V, const N: usize> {
    slots: [Slot<V>; N],
    buckets: [u32; N],
    newest: u32,
    oldest: u32,
    free: u32,
    len: u32,
    stats: CacheStats,
}

impl<V: Copy + Default, const N: usize> Default for Cache<V, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Copy + Default, const N: usize> Cache<V, N> {
    const CAPACITY_FITS: () = assert!(N > 0 && N < NIL as usize, "capacity must be 1..u32::MAX");

    /// An empty cache.
    pub fn new() -> Self {
        let () = Self::CAPACITY_FITS;
        Cache {
            slots: core::array::from_fn(|i| Slot {
                key: 0,
                value: V::default(),
                expires: Instant::ZERO,
                newer: NIL,
                older: if i + 1 < N { (i + 1) as u32 } else { NIL },
                chain: NIL,
            }),
            buckets: [NIL; N],
            newest: NIL,
            oldest: NIL,
            free: 0,
            len: 0,
            stats: CacheStats::default(),
        }
    }

    /// The number of entries held (expired ones included until they are found).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
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
        if self.slots[index as usize].expires <= now {
            self.remove(index);
            self.stats.expirations += 1;
            self.stats.misses += 1;
            return None;
        }
        self.stats.hits += 1;
        self.touch(index);
        Some(self.slots[index as usize].value)
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
        let expires = now.saturating_add(ttl);
        if let Some(index) = self.find(key) {
            let slot = &mut self.slots[index as usize];
            slot.value = value;
            slot.expires = expires;
            self.touch(index);
            return None;
        }
        let mut evicted = None;
        if self.free == NIL {
            let victim = self.oldest;
            let old = self.slots[victim as usize];
            if old.expires <= now {
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
        self.free = self.slots[index as usize].older;
        let bucket = Self::bucket_of(key.bits());
        self.slots[index as usize] = Slot {
            key: key.bits(),
            value,
            expires,
            newer: NIL,
            older: NIL,
            chain: self.buckets[bucket],
        };
        self.buckets[bucket] = index;
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

    /// Removes every entry (the counters stay).
    pub fn clear(&mut self) {
        let stats = self.stats;
        *self = Self::new();
        self.stats = stats;
    }

    #[inline]
    fn bucket_of(key: u64) -> usize {
        let hash = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((u128::from(hash) * N as u128) >> 64) as usize
    }

    #[inline]
    fn find(&self, key: ChittyId) -> Option<u32> {
        let key = key.bits();
        let mut index = self.buckets[Self::bucket_of(key)];
        while index != NIL {
            let slot = &self.slots[index as usize];
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
        let slot = &mut self.slots[index as usize];
        slot.newer = NIL;
        slot.older = self.newest;
        if self.newest != NIL {
            self.slots[self.newest as usize].newer = index;
        } else {
            self.oldest = index;
        }
        self.newest = index;
    }

    fn unlink(&mut self, index: u32) {
        let Slot { newer, older, .. } = self.slots[index as usize];
        if newer != NIL {
            self.slots[newer as usize].older = older;
        } else {
            self.newest = older;
        }
        if older != NIL {
            self.slots[older as usize].newer = newer;
        } else {
            self.oldest = newer;
        }
    }

    /// Takes `index` out of its bucket and the recency list, onto the free list.
    fn remove(&mut self, index: u32) {
        let bucket = Self::bucket_of(self.slots[index as usize].key);
        let next_in_chain = self.slots[index as usize].chain;
        if self.buckets[bucket] == index {
            self.buckets[bucket] = next_in_chain;
        } else {
            let mut at = self.buckets[bucket];
            while at != NIL {
                if self.slots[at as usize].chain == index {
                    self.slots[at as usize].chain = next_in_chain;
                    break;
                }
                at = self.slots[at as usize].chain;
            }
        }
        self.unlink(index);
        let slot = &mut self.slots[index as usize];
        slot.chain = NIL;
        slot.newer = NIL;
        slot.older = self.free;
        self.free = index;
        self.len -= 1;
    }
}
