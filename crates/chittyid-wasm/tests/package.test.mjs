// The package directory: every file package.json names exists, and the generic entry
// works once initialised with the module's bytes.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";

import { pkg } from "./common.mjs";

const manifest = JSON.parse(readFileSync(new URL("package.json", pkg), "utf8"));

test("package.json names files that exist, and is an ES module package", () => {
  assert.equal(manifest.type, "module");
  for (const file of manifest.files) assert.ok(existsSync(new URL(file, pkg)), file);
  const targets = (entry) => (typeof entry === "string" ? [entry] : Object.values(entry).flatMap(targets));
  for (const file of targets(manifest.exports)) assert.ok(existsSync(new URL(file, pkg)), file);
});

test("web.js works after initSync with the bytes", async () => {
  const web = await import(new URL("web.js", pkg));
  web.initSync({ module: readFileSync(new URL("chittyid_wasm_bg.wasm", pkg)) });
  assert.equal(web.check("03-1-USA-5537-P-2602-0-39").kind, "checksum_mismatch");
  assert.equal(web.checksum("03-1-USA-5537-P-2602-0"), 38);
});
