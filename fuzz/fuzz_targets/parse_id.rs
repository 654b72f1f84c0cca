//! Fuzzes the ID parser: no panics on any bytes, strict or lenient; every accepted ID
//! prints back to the exact input and reparses to the same value; every error points
//! inside the input and formats.
#![no_main]

use core::fmt::Write;

use chittyid::{ChittyId, ParseOptions};
use libfuzzer_sys::fuzz_target;

/// A `fmt::Write` sink that only counts, so formatting is exercised without allocating.
struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    for options in [ParseOptions::STRICT, ParseOptions::LENIENT] {
        match ChittyId::parse_with(data, options) {
            Ok(id) => {
                let text = id.to_buf();
                assert_eq!(
                    text.as_bytes(),
                    data,
                    "display must round-trip byte for byte"
                );
                assert_eq!(ChittyId::parse_with(text.as_bytes(), options), Ok(id));
                assert!(chittyid::checksum::verify(
                    &text.as_bytes()[..text.len() - 3],
                    id.check_value()
                ));
            }
            Err(error) => {
                assert!(error.offset() <= data.len());
                let mut sink = Count(0);
                write!(sink, "{error}").unwrap();
                assert!(sink.0 > 0);
            }
        }
    }
});
