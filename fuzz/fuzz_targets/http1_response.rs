//! Fuzzes the HTTP/1.1 response codec the firmware adapter uses: heads, framing and
//! chunked bodies end in a value or a typed error, never a panic, and decoded bodies
//! never grow.
#![no_main]

use chittyid::wire::http1::{Framing, chunked_complete, dechunk_in_place, parse_head};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(Some(head)) = parse_head(data, data.len().max(1)) else {
        return;
    };
    assert!(head.len <= data.len());
    assert!((100..=599).contains(&head.status));
    let body = &data[head.len..];
    if head.framing == Framing::Chunked && chunked_complete(body) == Ok(true) {
        let mut copy = body.to_vec();
        let decoded = dechunk_in_place(&mut copy).expect("a complete chunked body decodes");
        assert!(decoded <= body.len());
    }
});
