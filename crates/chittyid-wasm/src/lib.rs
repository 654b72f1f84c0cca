//! # chittyid-wasm
//!
//! The ChittyID core's parser and check for JavaScript (Node.js, Cloudflare Workers),
//! built for `wasm32-unknown-unknown` with wasm-bindgen by `cargo xtask wasm` into
//! `pkg/`, an npm package directory.
//!
//! These exports are the raw layer: they take `&str` (wasm-bindgen copies the JS string
//! in as UTF-8, lone surrogates becoming U+FFFD) and answer with a boolean, a number or
//! a JSON record. `js/api.js` wraps them into the package's API (`check`, `parse`,
//! `checkMany`, `checksum`): it refuses non-strings, keeps overlong inputs out of the
//! module's memory, and turns error records into thrown `ChittyIdError`s. Nothing here
//! panics on any input, so no call traps.
//!
//! On wasm32 the crate is `no_std` (alloc with lol_alloc's free list, a panic handler that formats
//! nothing), which keeps the module small; on the host it builds with std so that the
//! workspace's builds and tests cover it.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

mod json;
mod many;
mod record;

use chittyid::{ChittyId, IdKind, ParseOptions, checksum};
use wasm_bindgen::prelude::wasm_bindgen;

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, Ordering};

use json::Obj;
use record::Verdict;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// No input makes the code panic; were it to, the call traps without formatting a
/// message (which would cost kilobytes of formatting code).
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// Where `check` writes an ID of 25 ASCII characters (the length of every canonical ID)
/// for [`check_input`]: a copy into a fixed place costs a fraction of passing a string,
/// which allocates and frees. Atomics, because JavaScript writes them between calls.
static INPUT: [AtomicU8; INPUT_LEN] = [const { AtomicU8::new(0) }; INPUT_LEN];
const INPUT_LEN: usize = 25;

/// The address of the input buffer in the module's memory.
#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer() -> usize {
    INPUT.as_ptr() as usize
}

/// The module's memory, for a view of the input buffer.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> wasm_bindgen::JsValue {
    wasm_bindgen::memory()
}

/// `true` when the first `len` bytes of the input buffer are a canonical ID: `check`'s
/// fast path, no record built.
#[wasm_bindgen(js_name = checkInput)]
pub fn check_input(len: usize) -> bool {
    let mut bytes = [0u8; INPUT_LEN];
    for (byte, cell) in bytes.iter_mut().zip(&INPUT) {
        *byte = cell.load(Ordering::Relaxed);
    }
    is_canonical(bytes.get(..len).unwrap_or_default())
}

fn is_canonical(id: &[u8]) -> bool {
    ChittyId::parse_with(id, ParseOptions::STRICT).is_ok_and(|id| id.kind() == IdKind::Canonical)
}

/// `chittyid check --json`'s record of `id` without its `id` field:
/// `{valid, kind, error?: {code, segment, offset, message, expected}, fallback?}`.
#[wasm_bindgen(js_name = checkJson)]
pub fn check_json(id: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = Obj::new(&mut out);
    Verdict::of(id.as_bytes()).write_fields(&mut o);
    o.end();
    out
}

/// The record of an input too long to copy in: `text` is its start (cut to 64 bytes)
/// and `len` its length in UTF-8 bytes, counted by the caller.
#[wasm_bindgen(js_name = tooLongJson)]
pub fn too_long_json(text: &str, len: f64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = Obj::new(&mut out);
    o.text("text", many::prefix(text.as_bytes()));
    // `as` saturates: a negative or NaN length reads as 0.
    Verdict::TooLong(len as u64).write_fields(&mut o);
    o.end();
    out
}

/// `chittyid parse --json`'s record of `id`, or `{"error": {...}}` when it does not parse.
#[wasm_bindgen(js_name = parseJson)]
pub fn parse_json(id: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match Verdict::of(id.as_bytes()) {
        Verdict::Id(id) => record::write_parsed(&mut out, id),
        other => {
            let mut o = Obj::new(&mut out);
            other.write_error(&mut o);
            o.end();
        }
    }
    out
}

/// `checkMany`'s summary of newline-separated IDs (UTF-8, as `TextEncoder` writes it:
/// bytes copy in far faster than a string), numbering lines from `first_line`.
#[wasm_bindgen(js_name = checkManyBytes)]
pub fn check_many_bytes(text: &[u8], first_line: f64) -> Vec<u8> {
    many::check_many(text, first_line as u64)
}

/// The check value of an ID's body (the 16 characters before `XX`, hyphens allowed) as
/// `{"value": n}`, or `{"error": {code, segment, offset, message}}` (`invalid_character`,
/// `body_length`, or `line_too_long` past the input limit).
#[wasm_bindgen(js_name = checksumJson)]
pub fn checksum_json(body: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = Obj::new(&mut out);
    if body.len() > record::MAX_LINE {
        Verdict::TooLong(body.len() as u64).write_error(&mut o);
        o.end();
        return out;
    }
    let readable = body.bytes().filter(|&b| b != b'-').count();
    match checksum::compute(body) {
        Ok(value) if readable == 16 => {
            o.num("value", value.into());
        }
        result => {
            let (code, offset, message) = match result {
                Err(e) => ("invalid_character", e.offset, e.to_string().into_bytes()),
                Ok(_) => {
                    let mut message =
                        Vec::from(*b"a body has 16 digits and upper-case letters, not ");
                    json::digits(&mut message, readable as u64, 1);
                    ("body_length", 0, message)
                }
            };
            let mut e = o.obj("error");
            e.str("code", code)
                .raw("segment", "null")
                .num("offset", offset as u64)
                .text("message", &message);
            e.end();
        }
    }
    o.end();
    out
}

/// The longest input, in UTF-8 bytes, judged as an ID (longer ones are `line_too_long`).
#[wasm_bindgen(js_name = maxLineBytes)]
pub fn max_line_bytes() -> u32 {
    record::MAX_LINE as u32
}

/// The kind code of a valid ID, `canonical`.
#[wasm_bindgen(js_name = canonicalKind)]
pub fn canonical_kind() -> String {
    IdKind::Canonical.code().into()
}
