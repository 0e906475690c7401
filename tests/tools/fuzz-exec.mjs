// fuzz-exec.mjs — the Node (V8) side of tests/tools/fuzz-exec.c: runs every
// exported function of a module in export order with zero arguments and
// prints the same lines. Usage: node fuzz-exec.mjs MODULE.wasm RESULT-TYPES
// PARAM-TYPES (the two JSON lines of `kiln-fuzz-exec MODULE --types`).
import { readFileSync } from "node:fs";
const m = new WebAssembly.Module(readFileSync(process.argv[2]));
const nop = () => {};
const i = new WebAssembly.Instance(m, { "fuzzing-support": { "log-i32": nop, "log-i64": nop, "log-f32": nop, "log-f64": nop } });
const types = JSON.parse(process.argv[3]);
const params = JSON.parse(process.argv[4]);
const args = (name) => params[name].map((t) => (t === "i64" ? 0n : 0));
for (const ex of WebAssembly.Module.exports(m)) {
  if (ex.kind !== "function") continue;
  console.log(`[fuzz-exec] calling ${ex.name}`);
  const f = i.exports[ex.name];
  try {
    const r = f(...args(ex.name));
    if (r === undefined) continue;
    if (typeof r === "bigint") { console.log(`[fuzz-exec] note result: ${ex.name} => ${r}`); continue; }
    if (types[ex.name] === "i32") { console.log(`[fuzz-exec] note result: ${ex.name} => ${r}`); continue; }
    if (Number.isNaN(r)) { console.log(`[fuzz-exec] note result: ${ex.name} => nan`); continue; }
    const dv = new DataView(new ArrayBuffer(8)); dv.setFloat64(0, r);
    console.log(`[fuzz-exec] note result: ${ex.name} => f:${dv.getBigUint64(0).toString(16).padStart(16, "0")}`);
  }
  catch (e) { console.log("[trap]"); }
}
