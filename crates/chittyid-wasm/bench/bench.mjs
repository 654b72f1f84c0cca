// `cargo xtask bench`'s Node part: per-ID time of the package's `check` and `checkMany`
// against a plain JavaScript validator that follows the service's published rules
// (shared/spec/REAL-SERVICE.md section 3: eight segments, a regular expression per
// segment, the month unchecked, then the mod-97 check value), on the same 100 000
// distinct valid IDs (regions 1-9, every month, every type, trust 0-5), in one process.
import { check, checkMany } from "../pkg/node.js";

const COUNT = 100_000;
const ROUNDS = 9;
const WARM_UP = 5;

// The service's validator, written plainly.
const SEGMENTS = [/^\d{2}$/, /^[1-9]$/, /^[A-Z]{3}$/, /^\d{4}$/, /^[PLTEA]$/, /^\d{4}$/, /^[0-5]$/, /^\d{2}$/];
function checkValue(body) {
  let r = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    r = c <= 57 ? (r * 10 + (c - 48)) % 97 : (r * 100 + (c - 55)) % 97;
  }
  return (98 - r) % 97;
}
function jsValidate(id) {
  if (typeof id !== "string") return { valid: false, error: "ChittyID is required and must be a string" };
  const parts = id.split("-");
  if (parts.length !== 8) return { valid: false, error: "Invalid format" };
  for (let i = 0; i < 8; i++) {
    if (!SEGMENTS[i].test(parts[i])) return { valid: false, error: `Invalid segment ${i}` };
  }
  const expected = checkValue(parts.slice(0, 7).join(""));
  const found = Number(parts[7]);
  if (expected !== found) return { valid: false, error: `Invalid checksum: expected ${expected}, got ${found}` };
  return { valid: true };
}

// 100 000 distinct valid IDs, deterministic.
function ids() {
  const out = [];
  let seed = 0x2545f491;
  const rand = (n) => ((seed = (seed * 1664525 + 1013904223) >>> 0) % n);
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (let i = 0; i < COUNT; i++) {
    // The first letter and the sequence make every ID distinct.
    const jur = letters[Math.floor(i / 10_000)] + letters[rand(26)] + letters[rand(26)];
    const month = String((i % 12) + 1).padStart(2, "0");
    const body = [
      "03",
      String((i % 9) + 1),
      jur,
      String(i % 10_000).padStart(4, "0"),
      "PLTEA"[i % 5],
      `${20 + rand(10)}${month}`,
      String(i % 6),
    ].join("-");
    out.push(`${body}-${String(checkValue(body.replaceAll("-", ""))).padStart(2, "0")}`);
  }
  return out;
}

/** The median over ROUNDS of `f()`'s time, in ns per ID, after WARM_UP rounds (V8
 * compiles WebAssembly with a baseline compiler first and optimises it in the background,
 * which a busy machine delays). */
function time(f) {
  for (let r = 0; r < WARM_UP; r++) f();
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    f();
    samples.push(Number(process.hrtime.bigint() - start) / COUNT);
  }
  samples.sort((a, b) => a - b);
  return samples[ROUNDS >> 1];
}

const list = ids();
const text = list.join("\n");
if (new Set(list).size !== COUNT) throw new Error("IDs are not distinct");
let sink = 0;
const js = time(() => {
  for (const id of list) sink += jsValidate(id).valid ? 1 : 0;
});
const jsText = time(() => {
  for (const id of text.split("\n")) sink += jsValidate(id).valid ? 1 : 0;
});
const one = time(() => {
  for (const id of list) sink += check(id).valid ? 1 : 0;
});
const many = time(() => {
  sink += checkMany(text).valid;
});
if (checkMany(text).valid !== COUNT || list.some((id) => !jsValidate(id).valid)) {
  throw new Error("a generated ID does not validate");
}
const f = (ns) => `${ns.toFixed(1).padStart(7)} ns/ID`;
console.log(`\nNode ${process.version}, ${COUNT} distinct valid IDs (median of ${ROUNDS} rounds):`);
console.log(`  JS validator (regexes + mod 97), array  ${f(js)}`);
console.log(`  JS validator on the text (split + each) ${f(jsText)}`);
console.log(`  check(id), one call per ID             ${f(one)}   ${(js / one).toFixed(1)}x faster   goal >= 3x`);
console.log(`  checkMany(text), one call              ${f(many)}   ${(jsText / many).toFixed(1)}x faster than split + JS validator, ${(js / many).toFixed(1)}x than the array loop   goal >= 10x`);
if (sink < 0) console.log(sink);
