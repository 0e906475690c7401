// node-spectest.mjs — runs a wast2json script (JSON + .wasm files) in Node's
// V8, as a second oracle for tests/wast files that wabt's spectest-interp
// cannot check (it allows only ~1000 nested calls). Handles module,
// register, action, assert_return, assert_trap, assert_exhaustion, assert_exception,
// assert_invalid/malformed (binary), assert_unlinkable/uninstantiable.
// Floats cross JS as numbers, so a NaN's payload is not compared (any NaN
// matches a NaN expectation) and an assertion with a NaN argument is
// skipped; v128 values cannot cross JS at all, so a command with a v128
// argument or result is skipped; everything else is compared exactly.
// Where this Node's V8 itself departs from the spec (see `deviations`
// below), the command is not checked: it prints "SKIP FILE:LINE: why" (with
// Node's and V8's versions) and counts as skipped, never as passed. Each
// deviation is detected by a probe, not by a version number, so a V8 that
// behaves checks everything.
// Usage: node tests/tools/node-spectest.mjs SCRIPT.json
// Prints one line per failure, one per deviation skip, and "N passed,
// N failed, N skipped"; exit 1 on a failure.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";

const path = process.argv[2];
const script = JSON.parse(readFileSync(path, "utf8"));
const dir = dirname(path);
let passed = 0, failed = 0, skipped = 0;
const fail = (line, msg) => { failed++; console.log(`FAIL ${path}:${line}: ${msg}`); };
const engine = `Node ${process.version} (V8 ${process.versions.v8})`;
// A command this V8 cannot judge: skipped, and said so with the reason.
class Deviation extends Error {}
const deviate = (line, why) => { skipped++; console.log(`SKIP ${path}:${line}: ${engine} ${why}`); };

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

// ---- Known departures of some V8 versions from the spec, each with a probe.
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const leb = (b, p) => { let r = 0, s = 0, x; do { x = b[p.at++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };

// The ids of a binary module's sections, in order (as far as they parse).
function sectionIds(bytes) {
  const ids = [], p = { at: 8 };
  while (p.at < bytes.length) {
    const id = bytes[p.at++];
    ids.push(id);
    p.at += leb(bytes, p);
  }
  return ids;
}

// V8 10.2 (Node 18) accepts sections with ids 14 to 19, which the spec (and
// V8 11) reject as malformed; it rejects 20 and above. An assert_malformed
// whose module holds such a section and compiles here is this V8's doing.
const unknownSectionAccepted = new Map();
function acceptsUnknownSection(bytes) {
  for (const id of sectionIds(bytes)) {
    if (id <= 13) continue; // 13 is the exception-handling proposal's tag section
    if (!unknownSectionAccepted.has(id)) unknownSectionAccepted.set(id, WebAssembly.validate(new Uint8Array([...HEADER, id, 0])));
    if (unknownSectionAccepted.get(id)) return id;
  }
  return null;
}

// The declared types of a binary module's global imports: [{valtype, mutable}].
function globalImports(bytes) {
  const out = [], p = { at: 8 };
  while (p.at < bytes.length) {
    const id = bytes[p.at++], size = leb(bytes, p), end = p.at + size;
    if (id === 2) {
      const skipName = () => { const n = leb(bytes, p); p.at += n; };
      const limits = () => { const f = bytes[p.at++]; leb(bytes, p); if (f & 1) leb(bytes, p); };
      for (let n = leb(bytes, p); n > 0; n--) {
        skipName(); skipName();
        const kind = bytes[p.at++];
        if (kind === 0) leb(bytes, p);
        else if (kind === 1) { p.at++; limits(); }
        else if (kind === 2) limits();
        else if (kind === 3) { out.push({ valtype: bytes[p.at], mutable: bytes[p.at + 1] === 1 }); p.at += 2; }
        else if (kind === 4) { p.at++; leb(bytes, p); }
        else break; // not a kind we know: leave the rest to V8
      }
      return out;
    }
    p.at = end;
  }
  return out;
}

// V8 10.2 (Node 18) aborts the whole process ("Fatal error ... unreachable
// code" in InstanceBuilder::ProcessImportedWasmGlobalObject, exit status
// 133) when a module imports an immutable v128 global from another
// instance's export. That cannot be caught, so a child process tries it once,
// and a module with such an import is not instantiated here.
const PROBE = `
  const k = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([
    ${HEADER}, 0x06, 0x16, 0x01, 0x7b, 0x00, 0xfd, 0x0c, ${Array(16).fill(0)}, 0x0b,
    0x07, 0x05, 0x01, 0x01, 0x6b, 0x03, 0x00])), {}).exports;
  new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([
    ${HEADER}, 0x02, 0x08, 0x01, 0x01, 0x4d, 0x01, 0x6b, 0x03, 0x7b, 0x00])), { M: k });
  console.log("imported");`;
let v128ImportFails; // undefined until probed; then null (it works) or why not
function v128ImportAborts(bytes) {
  if (!globalImports(bytes).some((g) => g.valtype === 0x7b && !g.mutable)) return null;
  if (v128ImportFails === undefined) {
    const r = spawnSync(process.execPath, ["-e", PROBE], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() === "imported") v128ImportFails = null;
    else {
      const fatal = /Fatal error[^\n]*\n#\s*([^\n]+)/.exec(r.stderr || "");
      v128ImportFails = `kills the process (${r.signal ? `signal ${r.signal}` : `exit status ${r.status}`}` +
        `${fatal ? `, "${fatal[1].trim()}"` : ""}) when a module imports an immutable v128 global`;
    }
  }
  return v128ImportFails;
}

// Instantiate a script module, unless this V8 would die doing it. For a
// `module` command the rest of the script then cannot be checked (its state
// would no longer be the script's): the main loop reports that once and
// counts every command left as skipped.
function instantiate(file) {
  const bytes = readFileSync(join(dir, file));
  const why = v128ImportAborts(bytes);
  if (why) throw new Deviation(why);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), registry);
}
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

const commands = script.commands;
for (let i = 0; i < commands.length; i++) {
  const c = commands[i];
  try {
    switch (c.type) {
      case "module": {
        current = instantiate(c.filename);
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
      case "assert_exception": {
        try { invoke(c.action, true, []); fail(c.line, "returned, expected an uncaught exception"); }
        catch (e) {
          if (e instanceof Skip) throw e;
          if (e instanceof WebAssembly.Exception) passed++;
          else fail(c.line, `threw ${e}, expected a wasm exception`);
        }
        break;
      }
      case "assert_invalid":
      case "assert_malformed": {
        if (c.module_type !== "binary") { skipped++; break; }
        try {
          load(c.filename);
          const id = c.type === "assert_malformed" ? acceptsUnknownSection(readFileSync(join(dir, c.filename))) : null;
          if (id !== null) deviate(c.line, `accepts a section with id ${id}, which the spec rejects ("${c.text}")`);
          else fail(c.line, `module compiled, expected "${c.text}"`);
        }
        catch (e) { if (e instanceof WebAssembly.CompileError) passed++; else fail(c.line, String(e)); }
        break;
      }
      case "assert_unlinkable":
      case "assert_uninstantiable": {
        try { instantiate(c.filename); fail(c.line, `instantiated, expected "${c.text}"`); }
        catch (e) {
          // Nothing was instantiated, so only this command goes unchecked.
          if (e instanceof Deviation) { deviate(c.line, `${e.message}; this ${c.type} is not checked`); break; }
          const want = c.type === "assert_unlinkable" ? WebAssembly.LinkError : WebAssembly.RuntimeError;
          if (e instanceof want) passed++; else fail(c.line, `threw ${e}, expected "${c.text}"`);
        }
        break;
      }
      default: skipped++;
    }
  } catch (e) {
    if (e instanceof Skip) skipped++;
    else if (e instanceof Deviation) {
      const rest = commands.length - i - 1;
      deviate(c.line, `${e.message}; this ${c.type} and the ${rest} command(s) after it are not checked`);
      skipped += rest;
      break;
    } else fail(c.line, `${c.type}: ${e}`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
