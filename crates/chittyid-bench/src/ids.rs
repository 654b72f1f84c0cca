//! Deterministic generation of canonical IDs for the benchmarks.

use chittyid::{ChittyId, EntityType, Jurisdiction, Parts, Region, TrustLevel, YearMonth};

/// A small xorshift generator: the same IDs on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random canonical ID.
pub fn random_id(rng: &mut Rng) -> ChittyId {
    let letter = |rng: &mut Rng| b'A' + rng.below(26) as u8;
    loop {
        let parts = Parts {
            version: 1 + rng.below(5) as u8,
            region: Region::from_digit(1 + rng.below(9) as u8).expect("1-9"),
            jurisdiction: Jurisdiction::new([letter(rng), letter(rng), letter(rng)])
                .expect("letters"),
            sequence: rng.below(10_000) as u16,
            entity_type: EntityType::ALL[rng.below(5) as usize],
            year_month: YearMonth::new(20 + rng.below(10) as u8, 1 + rng.below(12) as u8)
                .expect("valid month"),
            trust_level: TrustLevel::from_digit(rng.below(6) as u8).expect("0-5"),
        };
        if let Ok(id) = ChittyId::new(parts) {
            return id;
        }
    }
}

/// `count` random canonical IDs as text.
pub fn canonical_texts(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| random_id(&mut rng).to_string())
        .collect()
}

/// `count` distinct random canonical IDs as text, in the order first drawn: the mixed
/// workload of issue 16 (regions 1-9, every month, every entity type, trust 0-5).
pub fn distinct_canonical_texts(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut seen = std::collections::HashSet::with_capacity(count);
    let mut texts = Vec::with_capacity(count);
    while texts.len() < count {
        let text = random_id(&mut rng).to_string();
        if seen.insert(text.clone()) {
            texts.push(text);
        }
    }
    texts
}
