//! The engine's hot paths: cache hits and inserts at 10 000 entries against the `lru`
//! crate, a cached validation through the engine, a call refused by an open breaker,
//! and the engine's size.

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::Duration;

use chittyid::ChittyId;
use chittyid::engine::{Action, CacheSlot, Endpoint, Engine, EngineConfig, Fact, Response};
use chittyid::resilience::{BreakerState, Cache, CacheEntry, Instant};
use chittyid::wire::MintRequest;

use crate::ids::{Rng, canonical_texts};
use crate::timing::{median, ns_per};

const ENTRIES: usize = 10_000;
const OPS: usize = 1_000_000;
const ROUNDS: usize = 11;

pub fn run() {
    let ids: Vec<ChittyId> = canonical_texts(ENTRIES * 2, 0xCAC4E)
        .iter()
        .map(|t| t.parse().expect("generated IDs parse"))
        .collect();
    let (resident, newcomers) = ids.split_at(ENTRIES);
    let mut rng = Rng::new(42);
    let lookups: Vec<ChittyId> = (0..OPS)
        .map(|_| resident[rng.below(ENTRIES as u64) as usize])
        .collect();
    let now = Instant::from_millis(0);
    let ttl = Duration::from_secs(3600);

    // The storage a service gives it: a boxed slice.
    let mut ours =
        Cache::with_storage(vec![CacheEntry::<bool>::default(); ENTRIES].into_boxed_slice());
    let mut theirs = lru::LruCache::new(NonZeroUsize::new(ENTRIES).expect("non-zero"));
    for &id in resident {
        ours.insert(id, true, ttl, now);
        theirs.put(id, true);
    }
    let get_ours = median(ROUNDS, || {
        let hits = lookups
            .iter()
            .filter(|&&id| ours.get(black_box(id), now).is_some())
            .count();
        assert_eq!(hits, OPS);
    });
    let get_lru = median(ROUNDS, || {
        let hits = lookups
            .iter()
            .filter(|&&id| theirs.get(&black_box(id)).is_some())
            .count();
        assert_eq!(hits, OPS);
    });
    // Inserts into a full cache: each one evicts the least recently used.
    let inserts: Vec<(ChittyId, bool)> = newcomers
        .iter()
        .chain(resident)
        .cycle()
        .take(OPS)
        .enumerate()
        .map(|(i, &id)| (id, i % 2 == 0))
        .collect();
    let insert_ours = median(ROUNDS, || {
        for &(id, valid) in &inserts {
            black_box(ours.insert(id, valid, ttl, now));
        }
    });
    let insert_lru = median(ROUNDS, || {
        for &(id, valid) in &inserts {
            black_box(theirs.push(id, valid));
        }
    });

    println!("\ncache at {ENTRIES} entries, {OPS} operations (median of {ROUNDS} rounds)");
    let (go, gl) = (ns_per(get_ours, OPS), ns_per(get_lru, OPS));
    let (io, il) = (ns_per(insert_ours, OPS), ns_per(insert_lru, OPS));
    println!(
        "  get (hit)    chittyid {go:6.1} ns   lru crate {gl:6.1} ns   ratio {:.2}x",
        go / gl
    );
    println!(
        "  insert+evict chittyid {io:6.1} ns   lru crate {il:6.1} ns   ratio {:.2}x",
        io / il
    );
    println!("  (goal: within 1.5x of the lru crate, ratio <= 1.50)");

    engine_paths(resident[0]);
    println!(
        "\nsize_of::<Engine<[CacheSlot; 32]>>() = {} bytes (goal at most 4096); size_of::<Engine<{ENTRIES}>>() = {} bytes",
        size_of::<Engine<[CacheSlot; 32]>>(),
        size_of::<Engine<[CacheSlot; ENTRIES]>>()
    );
}

/// A cached validation and a breaker rejection, each from `begin` to `Done`.
fn engine_paths(id: ChittyId) {
    let text = id.to_string();
    let mut engine: Box<Engine<[CacheSlot; 1024]>> =
        Box::new(Engine::new(EngineConfig::default(), 1));
    let now = Instant::from_millis(0);
    let mut buf = [0u8; 256];
    // Put the answer in the cache through a real exchange.
    let mut call = engine.begin_validate(text.as_bytes(), now);
    assert!(matches!(
        engine.poll(&mut call, now, &mut buf),
        Action::Send { .. }
    ));
    let answer = Response::new(200, br#"{"valid":true}"#);
    engine.report(&mut call, Fact::Answered(answer), now);
    // Open the mint breaker with failures.
    while engine.breaker_state(Endpoint::Mint) != BreakerState::Open {
        let mut call = engine.begin_mint(MintRequest::new(chittyid::EntityType::Person), now);
        if let Action::Send { .. } = engine.poll(&mut call, now, &mut buf) {
            engine.report(&mut call, Fact::NotSent, now);
        }
    }

    const CALLS: usize = 1_000_000;
    let cached = median(ROUNDS, || {
        for _ in 0..CALLS {
            let mut call = engine.begin_validate(black_box(text.as_bytes()), now);
            let done = engine.poll(&mut call, now, &mut buf);
            assert!(matches!(done, Action::Done(_)));
        }
    });
    let rejected = median(ROUNDS, || {
        for _ in 0..CALLS {
            let what = MintRequest::new(black_box(chittyid::EntityType::Person));
            let mut call = engine.begin_mint(what, now);
            let done = engine.poll(&mut call, now, &mut buf);
            assert!(matches!(done, Action::Done(Err(_))));
        }
    });
    println!("\nengine, begin to Done, {CALLS} calls (median of {ROUNDS} rounds)");
    println!(
        "  cached validation (parse + cache hit) {:6.1} ns   (goal at most 50 ns)",
        ns_per(cached, CALLS)
    );
    println!(
        "  mint refused by an open breaker       {:6.1} ns   (goal at most 20 ns)",
        ns_per(rejected, CALLS)
    );
}
