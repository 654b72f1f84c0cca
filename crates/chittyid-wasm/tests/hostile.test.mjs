// Bad input of every kind gets a clear result or a clear error, never a trap
// (a WebAssembly.RuntimeError) and never a poisoned module.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pkg } from "./common.mjs";

const api = await import(new URL("node.js", pkg));
const { check, parse, checkMany, checksum, ChittyIdError } = api;
const GOOD = "03-1-USA-5537-P-2602-0-38";

function stillWorks() {
  assert.deepEqual(check(GOOD), { valid: true, kind: "canonical" });
}

/** `f()` either returns or throws a ChittyIdError; never anything else. */
function clear(f) {
  try {
    return f();
  } catch (e) {
    assert.ok(e instanceof ChittyIdError, `unexpected ${e?.name}: ${e?.message}`);
    assert.equal(typeof e.code, "string");
    assert.equal(typeof e.message, "string");
    return e;
  }
}

test("non-strings are a TypeError naming the function", () => {
  const values = [undefined, null, 42, 4.2, true, {}, [], [GOOD], () => GOOD, 10n, Symbol("x"), new String(GOOD)];
  for (const f of [check, parse, checkMany, checksum]) {
    for (const value of values) {
      assert.throws(() => f(value), (e) => e instanceof TypeError && e.message.startsWith(`${f.name}: expected a string`));
    }
  }
  stillWorks();
});

test("lone surrogates and non-ASCII are non_ascii_or_space at their offset", () => {
  const cases = [
    ["\ud800", 0],
    ["\udfff", 0],
    ["03-1-USA-5537-P-2602-0-3\ud800", 24],
    ["03-1-US\u00c4-5537-P-2602-0-38", 7],
    ["03-1-USA-5537-P-2602-0-38\u{1f600}", 25],
    ["０3-1-USA-5537-P-2602-0-38", 0],
    ["03-1-USA-5537-P-2602-0-38\u0000", 25],
    [" 03-1-USA-5537-P-2602-0-38", 0],
  ];
  for (const [id, offset] of cases) {
    const r = check(id);
    assert.equal(r.valid, false);
    assert.equal(r.kind, "non_ascii_or_space", JSON.stringify(id));
    assert.equal(r.error.offset, offset, JSON.stringify(id));
    assert.throws(() => parse(id), ChittyIdError);
    clear(() => checksum(id));
  }
  const many = checkMany(cases.map(([id]) => id).join("\n"));
  assert.equal(many.invalid, cases.length);
  assert.deepEqual(many.kinds, { non_ascii_or_space: cases.length });
  stillWorks();
});

test("huge strings are line_too_long, counted in UTF-8 bytes, and stay out of memory", () => {
  for (const [s, bytes] of [
    ["x".repeat(65_537), 65_537],
    ["é".repeat(40_000), 80_000],
    ["\ud800".repeat(30_000), 90_000],
    ["\u{1f600}".repeat(20_000), 80_000],
    ["0".repeat(20_000_000), 20_000_000],
  ]) {
    const r = check(s);
    assert.equal(r.kind, "line_too_long");
    assert.equal(r.error.message, `a line of ${bytes} bytes is not an ID`);
    const e = clear(() => parse(s));
    assert.equal(e.code, "line_too_long");
    assert.equal(clear(() => checksum(s)).code, "line_too_long");
  }
  // At the limit: 65 536 bytes are judged, 65 537 are too long.
  assert.equal(check("x".repeat(65_536)).kind, "segment_count");
  const text = `${GOOD}\n${"z".repeat(1_000_000)}\r\n${"é".repeat(40_000)}\n${GOOD}`;
  const many = checkMany(text);
  assert.deepEqual(many.kinds, { canonical: 2, line_too_long: 2 });
  assert.deepEqual(many.invalidLines.map((l) => [l.line, l.text.length]), [[2, 64], [3, 32]]);
  assert.equal(many.invalidLines[0].error.message, "a line of 1000001 bytes is not an ID");
  stillWorks();
});

test("a large text in one call: 1 million lines, bounded chunks, lines numbered through", () => {
  const lines = Array.from({ length: 1_000_000 }, (_, i) => (i % 1000 === 999 ? "bad" : GOOD));
  const many = checkMany(lines.join("\n"));
  assert.equal(many.total, 1_000_000);
  assert.equal(many.invalid, 1000);
  assert.deepEqual(many.invalidLines.slice(0, 2).map((l) => l.line), [1000, 2000]);
  assert.equal(many.invalidLines.at(-1).line, 1_000_000);
  stillWorks();
});

test("random strings: a kind for every one, errors only as ChittyIdError", () => {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-abc _\t\r\u00e9\ud800\udc00\u{10ffff}CHITTY";
  let seed = 12345;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const inputs = [];
  for (let i = 0; i < 20_000; i++) {
    const base = rand(3) === 0 ? GOOD.split("") : [];
    const len = base.length ? base.length : rand(40);
    for (let j = 0; j < len; j++) {
      if (!base.length || rand(8) === 0) base[j] = alphabet[rand(alphabet.length)];
    }
    inputs.push(base.join(""));
  }
  for (const s of inputs) {
    const r = check(s);
    assert.equal(typeof r.kind, "string");
    assert.equal(r.valid, r.kind === "canonical");
    if (!r.valid && r.kind !== "fallback") assert.equal(r.error.code, r.kind);
    clear(() => parse(s));
    clear(() => checksum(s));
  }
  const many = checkMany(inputs.join("\n"));
  assert.ok(many.total >= inputs.length);
  stillWorks();
});

test("checksum: bodies with and without hyphens; errors name the rule", () => {
  assert.equal(checksum("03-1-USA-5537-P-2602-0"), 38);
  assert.equal(checksum("031USA5537P26020"), 38);
  assert.equal(clear(() => checksum("")).code, "body_length");
  assert.equal(clear(() => checksum("03-1-USA-5537-P-2602-0-38")).code, "body_length");
  const e = clear(() => checksum("03-1-usa-5537-P-2602-0"));
  assert.equal(e.code, "invalid_character");
  assert.equal(e.offset, 5);
  stillWorks();
});
