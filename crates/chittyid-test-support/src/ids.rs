//! Distinct well-formed IDs for tests (the service side's constructor; clients never
//! make IDs up).

use chittyid::{ChittyId, EntityType, Jurisdiction, Parts, Region, TrustLevel, YearMonth};

/// The `n`-th of up to 450 000 distinct canonical IDs.
pub fn distinct(n: u32) -> ChittyId {
    let letters = |k: u32| [b'A' + (k % 26) as u8, b'A' + (k / 26 % 26) as u8, b'Q'];
    ChittyId::new(Parts {
        version: 3,
        region: Region::from_digit(1 + (n / 10_000 % 9) as u8).unwrap(),
        jurisdiction: Jurisdiction::new(letters(n / 90_000)).unwrap(),
        sequence: (n % 10_000) as u16,
        entity_type: EntityType::Thing,
        year_month: YearMonth::new(26, 1).unwrap(),
        trust_level: TrustLevel::Basic,
    })
    .unwrap()
}
