// The Workers entry, loaded as a Workers bundler does (wrangler imports a .wasm file as
// a compiled WebAssembly.Module): a loader hook gives Node the same rule.
import assert from "node:assert/strict";
import { register } from "node:module";
import { test } from "node:test";

import { pkg } from "./common.mjs";

register("./wasm-as-module.mjs", import.meta.url);

test("worker.js instantiates from an imported WebAssembly.Module", async () => {
  const api = await import(new URL("worker.js", pkg));
  assert.deepEqual(api.check("03-1-USA-5537-P-2602-0-38"), { valid: true, kind: "canonical" });
  assert.equal(api.checkMany("03-1-USA-5537-P-2602-0-38\nx\n").invalid, 1);
});
