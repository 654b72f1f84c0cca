//! Fuzzes the wire decoders with arbitrary answer bodies: every kind of answer ends in a
//! value or a typed error, never a panic; a minted ID that comes out always verifies.
#![no_main]

use chittyid::ChittyId;
use chittyid::wire::{MintAnswer, decode_error, decode_health, decode_mint, decode_validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(answer) = decode_mint(body) {
        let id = match answer {
            MintAnswer::Minted(id) => {
                assert!(id.is_final());
                id
            }
            MintAnswer::Pending { id, .. } => id,
        };
        let text = id.to_buf();
        assert_eq!(ChittyId::parse(&text), Ok(id));
    }
    let _ = decode_validate(body);
    let _ = decode_health(body);
    let _ = decode_error(body);
});
