// Shared by the tests: paths, the shared vectors, and the CLI they are compared with.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export const root = new URL("../../../", import.meta.url);
export const pkg = new URL("crates/chittyid-wasm/pkg/", root);
export const cli = process.env.CHITTYID_CLI ?? new URL("target/debug/chittyid", root).pathname;

/** The shared vectors: {id, valid, kind, note}. */
export const vectors = readFileSync(new URL("tests/data/vectors.jsonl", root), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line));

/** Runs the CLI; its standard output whatever its exit status (1 means "not all valid"). */
export function run(args) {
  try {
    return execFileSync(cli, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  } catch (e) {
    if (e.status === 1 && typeof e.stdout === "string") return e.stdout;
    throw e;
  }
}
