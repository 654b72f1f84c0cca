// Anywhere else (browsers, Deno): call `await init()` (fetches the .wasm beside this
// file) or `initSync({ module })` with bytes or a compiled module before the API.
export { default as init, initSync } from "./chittyid_wasm.js";
export * from "./api.js";
