// The package's API over the raw wasm-bindgen exports (src/lib.rs): `check`, `parse`,
// `checkMany`, `checksum`. The entry that re-exports it (node.js, worker.js, web.js)
// instantiates the WebAssembly module; this module asks it nothing until the first call.
//
// Every function refuses a non-string with a TypeError, and keeps inputs longer than
// the CLI's line limit (64 KiB of UTF-8) out of the module's memory: they are
// `line_too_long`, as in `chittyid check`. `checkMany` hands the module at most
// CHUNK characters per call, cut at line ends, so that memory stays bounded whatever
// the text's size.
import * as raw from "./chittyid_wasm.js";

// Read from the module at the first call (modules are evaluated before the entry's
// body, which instantiates the module).
let MAX_LINE = 0;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
// The module answers with JSON as UTF-8 bytes.
const json = (bytes) => JSON.parse(DECODER.decode(bytes));
// Where checkMany encodes each chunk (3 bytes per UTF-16 unit at most).
let scratch = new Uint8Array(0);
let CANONICAL = "";
let CHUNK = 0;

/** An input that is not an ID (or not a body, for `checksum`), with the CLI's fields. */
export class ChittyIdError extends Error {
  constructor(error) {
    super(error.message);
    this.name = "ChittyIdError";
    this.code = error.code;
    this.segment = error.segment;
    this.offset = error.offset;
    if (error.expected !== undefined) this.expected = error.expected;
  }
}

function text(fn, value) {
  if (MAX_LINE === 0) {
    MAX_LINE = raw.maxLineBytes();
    CANONICAL = raw.canonicalKind();
    CHUNK = 4 * MAX_LINE;
  }
  if (typeof value !== "string") {
    const got = value === null ? "null" : typeof value;
    throw new TypeError(`${fn}: expected a string, got ${got}`);
  }
  return value;
}

// The UTF-8 length of `s` as the module would see it (a lone surrogate becomes U+FFFD).
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

// The record of a string too long to copy in: {text, valid, kind, error}.
function tooLong(s) {
  return json(raw.tooLongJson(s.slice(0, 64), utf8Length(s)));
}

// A view of the module's 25-byte input buffer, made again when memory grows (which
// detaches the old view's buffer).
let input = new Uint8Array(0);

// Writes an ASCII `id` into the input buffer; false when it is not ASCII.
function writeInput(id) {
  if (input.byteLength === 0) input = new Uint8Array(raw.wasmMemory().buffer, raw.inputBuffer(), 25);
  for (let i = 0; i < 25; i++) {
    const c = id.charCodeAt(i);
    if (c > 0x7f) return false;
    input[i] = c;
  }
  return true;
}

/**
 * `chittyid check --json`'s verdict on one ID: `{valid, kind}` plus `error: {code,
 * segment, offset, message, expected}` or `fallback: {code, name}` when they apply.
 */
export function check(id) {
  text("check", id);
  if (id.length > MAX_LINE) {
    const record = tooLong(id);
    delete record.text;
    return record;
  }
  if (id.length === 25 && writeInput(id) && raw.checkInput(25)) {
    return { valid: true, kind: CANONICAL };
  }
  return json(raw.checkJson(id));
}

/**
 * The components of an ID, as `chittyid parse --json` gives them; throws a
 * ChittyIdError (code, segment, offset, message, expected) when it does not parse.
 */
export function parse(id) {
  text("parse", id);
  const record = id.length > MAX_LINE ? tooLong(id) : json(raw.parseJson(id));
  if (record.error) throw new ChittyIdError(record.error);
  return record;
}

/**
 * Newline-separated IDs (`\r\n` tolerated), counted as `chittyid check --summary
 * --json` counts them: `{total, valid, invalid, kinds, invalidLines}`, where each
 * invalid line is `check`'s record plus `line` (from 1) and `text`.
 */
export function checkMany(input) {
  text("checkMany", input);
  const result = { total: 0, valid: 0, invalid: 0, kinds: {}, invalidLines: [] };
  const add = (part) => {
    result.total += part.total;
    result.valid += part.valid;
    result.invalid += part.invalid;
    for (const [kind, n] of Object.entries(part.kinds)) {
      result.kinds[kind] = (result.kinds[kind] ?? 0) + n;
    }
    for (const line of part.invalidLines) result.invalidLines.push(line);
  };
  let start = 0;
  while (start < input.length) {
    let end;
    if (input.length - start <= CHUNK) end = input.length;
    else {
      const nl = input.lastIndexOf("\n", start + CHUNK - 1);
      if (nl >= start) end = nl + 1;
      else {
        // One line longer than a chunk: certainly over the limit, judged here.
        let stop = input.indexOf("\n", start + CHUNK);
        if (stop < 0) stop = input.length;
        const record = tooLong(input.slice(start, stop));
        add({
          total: 1,
          valid: 0,
          invalid: 1,
          kinds: { [record.kind]: 1 },
          invalidLines: [{ line: result.total + 1, ...record }],
        });
        start = stop + 1;
        continue;
      }
    }
    const chunk = start === 0 && end === input.length ? input : input.slice(start, end);
    if (scratch.length < 3 * chunk.length) scratch = new Uint8Array(3 * CHUNK);
    const { written } = ENCODER.encodeInto(chunk, scratch);
    add(json(raw.checkManyBytes(scratch.subarray(0, written), result.total + 1)));
    start = end;
  }
  return result;
}

/**
 * The check value (0-96) of an ID's body, the 16 characters before `XX`, with or
 * without hyphens (`03-1-USA-5537-P-2602-0` gives 38); throws a ChittyIdError
 * (`invalid_character`, `body_length`) otherwise.
 */
export function checksum(body) {
  text("checksum", body);
  const record = body.length > MAX_LINE ? tooLong(body) : json(raw.checksumJson(body));
  if (record.error) throw new ChittyIdError(record.error);
  return record.value;
}
