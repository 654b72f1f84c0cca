// A Node loader hook: `import m from "./x.wasm"` gives a compiled WebAssembly.Module,
// as in Cloudflare Workers.
export async function load(url, context, nextLoad) {
  if (!url.endsWith(".wasm")) return nextLoad(url, context);
  const source = `import { readFileSync } from "node:fs";
export default new WebAssembly.Module(readFileSync(new URL(${JSON.stringify(url)})));`;
  return { format: "module", shortCircuit: true, source };
}
