// Every shared vector gets the Rust CLI's verdict from the package: `check` equals
// `chittyid check --json` (less `id`), `checkMany` equals `--summary --json` plus the
// invalid lines, `parse` equals `chittyid parse --json` or throws its error, and
// `checksum` gives every valid ID's check value.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { cli, pkg, run, vectors } from "./common.mjs";

const api = await import(new URL("node.js", pkg));
const dir = mkdtempSync(join(tmpdir(), "chittyid-wasm-"));
const file = join(dir, "ids.txt");
const text = vectors.map((v) => v.id + "\n").join("");
writeFileSync(file, text);
const records = run(["check", "--json", "--file", file]).trim().split("\n").map((l) => JSON.parse(l));

test(`the CLI (${cli}) read every vector`, () => {
  assert.equal(records.length, vectors.length);
});

test("check agrees with the vectors and with chittyid check --json", () => {
  vectors.forEach((v, i) => {
    const got = api.check(v.id);
    assert.equal(got.valid, v.valid, `valid of ${JSON.stringify(v.id)}`);
    assert.equal(got.kind, v.kind, `kind of ${JSON.stringify(v.id)}`);
    const { id, ...expected } = records[i];
    assert.equal(id, v.id);
    assert.deepEqual(got, expected, `record of ${JSON.stringify(v.id)}`);
  });
});

test("checkMany agrees with chittyid check --summary --json, once for the whole file", () => {
  const summary = JSON.parse(run(["check", "--summary", "--json", "--file", file]));
  const got = api.checkMany(text);
  const { invalidLines, ...counts } = got;
  assert.deepEqual(counts, summary);
  const expected = records
    .map(({ id, ...record }, i) => ({ line: i + 1, text: id, ...record }))
    .filter((r) => !r.valid);
  assert.deepEqual(invalidLines, expected);
  // The same with \r\n endings and without the last newline.
  const crlf = api.checkMany(vectors.map((v) => v.id).join("\r\n"));
  assert.deepEqual(crlf.kinds, summary.kinds);
});

test("parse equals chittyid parse --json, or throws its error", () => {
  let parsed = 0;
  vectors.forEach((v, i) => {
    const record = records[i];
    if (record.error) {
      assert.throws(
        () => api.parse(v.id),
        (e) => {
          assert.ok(e instanceof api.ChittyIdError);
          assert.ok(e instanceof Error);
          const { code, segment, offset, message, expected } = e;
          assert.deepEqual({ code, segment, offset, message, expected }, record.error);
          return true;
        },
      );
    } else {
      assert.deepEqual(api.parse(v.id), JSON.parse(run(["parse", "--json", v.id])));
      parsed++;
    }
  });
  assert.ok(parsed > 300, `${parsed} parsed`);
});

test("checksum gives the check value of every parsed vector's body", () => {
  for (const v of vectors) {
    if (v.kind !== "canonical" && v.kind !== "fallback") continue;
    const value = Number(v.id.slice(23));
    assert.equal(api.checksum(v.id.slice(0, 22)), value, v.id);
    assert.equal(api.checksum(v.id.slice(0, 22).replaceAll("-", "")), value, v.id);
  }
});
