// node-spectest.mjs — runs a wast2json script (JSON + .wasm files) in Node's
// V8, as a second oracle for tests/wast files that wabt's spectest-interp
// cannot check (it allows only ~1000 nested calls). Handles module,
// register, action, assert_return, assert_trap, assert_exhaustion,
// assert_invalid/malformed (binary), assert_unlinkable/uninstantiable.
// Floats cross JS as numbers, so a NaN's payload is not compared (any NaN
// matches a NaN expectation) and an assertion with a NaN argument is
// skipped; v128 values cannot cross JS at all, so a command with a v128
// argument or result is skipped; everything else is compared exactly.
// Usage: node tests/tools/node-spectest.mjs SCRIPT.json
// Prints one line per failure and "N passed, N failed, N skipped"; exit 1 on
// a failure.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const path = process.argv[2];
const script = JSON.parse(readFileSync(path, "utf8"));
const dir = dirname(path);
let passed = 0, failed = 0, skipped = 0;
const fail = (line, msg) => { failed++; console.log(`FAIL ${path}:${line}: ${msg}`); };

const spectest = {
  print: () => {}, print_i32: () => {}, print_i64: () => {}, print_f32: () => {},
  print_f64: () => {}, print_i32_f32: () => {}, print_f64_f64: () => {},
  global_i32: 666, global_i64: 666n,
  global_f32: new WebAssembly.Global({ value: "f32" }, 666.6),
  global_f64: new WebAssembly.Global({ value: "f64" }, 666.6),
  table: new WebAssembly.Table({ initial: 10, maximum: 20, element: "anyfunc" }),
  memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
};
const registry = { spectest };
const named = {};
let current = null;

const load = (file) => new WebAssembly.Module(readFileSync(join(dir, file)));
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);

class Skip extends Error {}
let nanArg = false;
// ref.extern N is the same JS object every time N is named.
const externs = new Map();
const extern = (v) => {
  if (v === "null") return null;
  if (!externs.has(v)) externs.set(v, { extern: v });
  return externs.get(v);
};

function arg(v) {
  let x;
  switch (v.type) {
    case "i32": return Number(BigInt.asIntN(32, BigInt(v.value)));
    case "i64": return BigInt.asIntN(64, BigInt(v.value));
    case "f32": u32[0] = Number(v.value); x = f32[0]; break;
    case "f64": u64[0] = BigInt(v.value); x = f64[0]; break;
    case "externref": return extern(v.value);
    default: throw new Skip();
  }
  if (Number.isNaN(x)) nanArg = true; /* its payload will not survive */
  return x;
}

function matches(want, got) {
  switch (want.type) {
    case "i32": return (got | 0) === Number(BigInt.asIntN(32, BigInt(want.value)));
    case "i64": return BigInt.asIntN(64, got) === BigInt.asIntN(64, BigInt(want.value));
    case "f32":
    case "f64": {
      if (String(want.value).startsWith("nan")) return Number.isNaN(got);
      let w;
      if (want.type === "f32") { u32[0] = Number(want.value); w = f32[0]; }
      else { u64[0] = BigInt(want.value); w = f64[0]; }
      if (Number.isNaN(w)) return Number.isNaN(got); /* payloads do not cross JS */
      return Object.is(w, want.type === "f32" ? Math.fround(got) : got);
    }
    case "externref": return got === extern(want.value);
    case "funcref": return want.value === "null" ? got === null : typeof got === "function";
    default: throw new Error(`unsupported result type ${want.type}`);
  }
}

// An assertion whose arguments hold a NaN is skipped (the NaN reaching wasm
// is JS's, not the one written); a plain action still runs, so the state
// the script builds stays the same.
function invoke(a, assertion = true, expected = []) {
  nanArg = false;
  if (expected.some((w) => w.type === "v128")) throw new Skip();
  const inst = a.module ? named[a.module] : current;
  if (a.type === "get") return [inst.exports[a.field].value];
  const args = a.args.map(arg);
  if (nanArg && assertion) throw new Skip();
  const r = inst.exports[a.field](...args);
  return r === undefined ? [] : Array.isArray(r) ? r : [r];
}

for (const c of script.commands) {
  try {
    switch (c.type) {
      case "module": {
        current = new WebAssembly.Instance(load(c.filename), registry);
        if (c.name) named[c.name] = current;
        passed++;
        break;
      }
      case "register": {
        registry[c.as] = (c.name ? named[c.name] : current).exports;
        passed++;
        break;
      }
      case "action": invoke(c.action, false, c.expected || []); passed++; break;
      case "assert_return": {
        const got = invoke(c.action, true, c.expected);
        const bad = c.expected.findIndex((w, i) => !matches(w, got[i]));
        if (got.length !== c.expected.length || bad >= 0) fail(c.line, `got ${got.join(",")}, expected ${c.expected.map((w) => w.value).join(",")}`);
        else passed++;
        break;
      }
      case "assert_trap":
      case "assert_exhaustion": {
        try { invoke(c.action, true, c.expected || []); fail(c.line, `returned, expected a trap "${c.text}"`); }
        catch (e) {
          if (e instanceof Skip) throw e;
          const want = c.type === "assert_exhaustion" ? RangeError : WebAssembly.RuntimeError;
          if (e instanceof want) passed++;
          else fail(c.line, `threw ${e}, expected "${c.text}"`);
        }
        break;
      }
      case "assert_invalid":
      case "assert_malformed": {
        if (c.module_type !== "binary") { skipped++; break; }
        try { load(c.filename); fail(c.line, `module compiled, expected "${c.text}"`); }
        catch (e) { if (e instanceof WebAssembly.CompileError) passed++; else fail(c.line, String(e)); }
        break;
      }
      case "assert_unlinkable":
      case "assert_uninstantiable": {
        try { new WebAssembly.Instance(load(c.filename), registry); fail(c.line, `instantiated, expected "${c.text}"`); }
        catch (e) {
          const want = c.type === "assert_unlinkable" ? WebAssembly.LinkError : WebAssembly.RuntimeError;
          if (e instanceof want) passed++; else fail(c.line, `threw ${e}, expected "${c.text}"`);
        }
        break;
      }
      default: skipped++;
    }
  } catch (e) {
    if (e instanceof Skip) skipped++;
    else fail(c.line, `${c.type}: ${e}`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
