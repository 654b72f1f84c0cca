// Node.js entry: instantiates the module from the .wasm file beside this one,
// synchronously, at import.
import { readFileSync } from "node:fs";
import { initSync } from "./chittyid_wasm.js";

initSync({ module: readFileSync(new URL("./chittyid_wasm_bg.wasm", import.meta.url)) });

export * from "./api.js";
