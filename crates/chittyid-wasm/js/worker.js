// Cloudflare Workers (and bundlers that import a .wasm file as a compiled
// WebAssembly.Module, as wrangler does): instantiates it synchronously at import.
import module from "./chittyid_wasm_bg.wasm";
import { initSync } from "./chittyid_wasm.js";

initSync({ module });

export * from "./api.js";
