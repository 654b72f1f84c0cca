export * from "./index.js";
export { default as init, initSync } from "./chittyid_wasm.js";
