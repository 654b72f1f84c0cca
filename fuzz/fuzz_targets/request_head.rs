//! Fuzzes the host and token a user sets: each is accepted or refused with a typed
//! error, never a panic, and an accepted pair never changes a request head's shape
//! (the same header lines, in the same order, whatever the host and token hold).
#![no_main]

use chittyid::wire::{Host, Request, Token};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte splits the rest into a host and a token.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let (host, token) = rest.split_at(usize::from(split).min(rest.len()));
    let (Ok(host), Ok(token)) = (core::str::from_utf8(host), core::str::from_utf8(token)) else {
        return;
    };
    let (Ok(host), Ok(token)) = (Host::new(host), Token::new(token)) else {
        return;
    };
    let mut parts = [0u8; Request::MAX_PARTS];
    let id = "03-1-USA-5537-P-2602-0-38".parse().expect("a valid ID");
    let request = Request::validate(id, &mut parts).expect("a validation fits");
    let max = Request::max_http1_len(host.as_str().len(), token.expose().len());
    let mut out = vec![0u8; max];
    let n = request
        .write_http1(host, Some(token), true, &mut out)
        .expect("the published maximum holds");
    let text = core::str::from_utf8(&out[..n]).expect("a request of ASCII");
    // The head ends at the first blank line, and the body after it is the request's.
    let head_end = text.find("\r\n\r\n").expect("a head ends");
    assert_eq!(&out[head_end + 4..n], request.body);
    // The same header names as any validation, whatever the host and token hold.
    let names: Vec<&str> = text[..head_end]
        .split("\r\n")
        .skip(1)
        .map(|line| line.split_once(": ").expect("a header line").0)
        .collect();
    assert_eq!(
        names,
        [
            "Host",
            "Accept",
            "User-Agent",
            "Connection",
            "Authorization",
            "Content-Type",
            "Content-Length"
        ]
    );
});
