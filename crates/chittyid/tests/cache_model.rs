//! The LRU cache against a model (a `std` map plus a recency list): random inserts,
//! lookups, invalidations and clock steps give the same answers, evictions and counts.

use std::collections::HashMap;
use std::time::Duration;

use chittyid::resilience::{Cache, CacheEntry, Instant};
use chittyid::{ChittyId, EntityType, Jurisdiction, Parts, Region, TrustLevel, YearMonth};
use proptest::prelude::*;

const N: usize = 8;

fn key(n: u16) -> ChittyId {
    ChittyId::new(Parts {
        version: 3,
        region: Region::Europe,
        jurisdiction: Jurisdiction::new(*b"DEU").unwrap(),
        sequence: n,
        entity_type: EntityType::Thing,
        year_month: YearMonth::new(26, 1).unwrap(),
        trust_level: TrustLevel::Basic,
    })
    .unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Insert { k: u16, v: u32, ttl: u64 },
    Get(u16),
    Invalidate(u16),
    Advance(u64),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    // Few distinct keys, so that hits, refreshes and evictions all happen.
    prop_oneof![
        4 => (0u16..20, any::<u32>(), 1u64..500).prop_map(|(k, v, ttl)| Op::Insert { k, v, ttl }),
        4 => (0u16..20).prop_map(Op::Get),
        1 => (0u16..20).prop_map(Op::Invalidate),
        2 => (0u64..200).prop_map(Op::Advance),
        1 => Just(Op::Clear),
    ]
}

/// The model: values with expiry, and keys from least to most recently used.
#[derive(Default)]
struct Model {
    map: HashMap<u16, (u32, u64)>,
    order: Vec<u16>,
}

impl Model {
    fn touch(&mut self, k: u16) {
        self.order.retain(|&x| x != k);
        self.order.push(k);
    }

    fn remove(&mut self, k: u16) {
        self.map.remove(&k);
        self.order.retain(|&x| x != k);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn cache_matches_its_model(
        ops in prop::collection::vec(op(), 1..200),
        capacity in prop_oneof![Just(0usize), Just(1), Just(N)],
    ) {
        // Storage the caller provides, of any length (0: a cache that keeps nothing).
        let mut cache = Cache::with_storage(vec![CacheEntry::<u32>::default(); capacity]);
        let mut model = Model::default();
        let mut now = 0u64;
        let (mut hits, mut misses, mut evictions, mut expirations) = (0u64, 0u64, 0u64, 0u64);
        for op in ops {
            let at = Instant::from_millis(now);
            match op {
                Op::Insert { k, v, ttl } => {
                    let evicted = cache.insert(key(k), v, Duration::from_millis(ttl), at);
                    let mut expected = None;
                    if capacity == 0 {
                        // Nothing is kept: the model forgets it at once.
                        prop_assert_eq!(evicted, None);
                        prop_assert_eq!(cache.get(key(k), at), None);
                        misses += 1;
                        continue;
                    }
                    if !model.map.contains_key(&k) && model.map.len() == capacity {
                        let victim = model.order[0];
                        let (value, expires) = model.map[&victim];
                        if expires > now {
                            evictions += 1;
                            expected = Some((key(victim), value));
                        } else {
                            expirations += 1;
                        }
                        model.remove(victim);
                    }
                    prop_assert_eq!(evicted.map(|e| (e.key, e.value)), expected);
                    model.map.insert(k, (v, now + ttl));
                    model.touch(k);
                }
                Op::Get(k) => {
                    let expected = match model.map.get(&k).copied() {
                        Some((v, expires)) if expires > now => {
                            hits += 1;
                            model.touch(k);
                            Some(v)
                        }
                        Some(_) => {
                            misses += 1;
                            expirations += 1;
                            model.remove(k);
                            None
                        }
                        None => {
                            misses += 1;
                            None
                        }
                    };
                    prop_assert_eq!(cache.get(key(k), at), expected);
                }
                Op::Invalidate(k) => {
                    prop_assert_eq!(cache.invalidate(key(k)), model.map.contains_key(&k));
                    model.remove(k);
                }
                Op::Advance(ms) => now += ms,
                Op::Clear => {
                    cache.clear();
                    model = Model::default();
                }
            }
            prop_assert_eq!(cache.len(), model.map.len());
            prop_assert!(cache.len() <= capacity);
        }
        let stats = cache.stats();
        prop_assert_eq!((stats.hits, stats.misses, stats.evictions, stats.expirations), (hits, misses, evictions, expirations));
    }
}
