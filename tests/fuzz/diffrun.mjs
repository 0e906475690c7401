// diffrun.mjs — the V8 side of the differential harness (tests/fuzz/diff.sh;
// diffrun.c is the kiln side and documents the output format, which this
// script prints identically).
//
// Usage: node diffrun.mjs MODULE.wasm          (output on stdout)
//        node diffrun.mjs --batch A.wasm B.wasm ...  (output in A.wasm.v8, ...)
// Batch mode saves Node's start-up time per module, which dominates a run.
// Each output file is complete when it ends with the line "end".
//
// The JS API does not say what types an exported function takes, and i64
// arguments must be BigInts, so the type, import, function and export
// sections are read here (just enough of the binary format for that).
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

let fd = 1;
const out = (line) => writeSync(fd, line + '\n');

const VT = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x70: 'funcref', 0x6f: 'externref' };

function signatures(bytes) {
  let p = 8;
  const u8 = () => bytes[p++];
  const leb = () => { let r = 0, s = 0, b; do { b = bytes[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
  const name = () => { const n = leb(); const s = Buffer.from(bytes.subarray(p, p + n)).toString('utf8'); p += n; return s; };
  const limits = () => { const f = u8(), min = leb(), max = f & 1 ? leb() : undefined; return { min, max }; };
  const types = [], funcs = [], imports = [], exports = [];
  while (p < bytes.length) {
    const id = u8(), size = leb(), end = p + size;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        u8(); // 0x60
        const params = []; for (let k = leb(); k > 0; k--) params.push(VT[u8()]);
        const results = []; for (let k = leb(); k > 0; k--) results.push(VT[u8()]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const module = name(), field = name(), kind = u8();
        const imp = { module, name: field, kind };
        if (kind === 0) { imp.type = types[leb()]; funcs.push(imp.type); }
        else if (kind === 1) { imp.elem = VT[u8()]; imp.limits = limits(); }
        else if (kind === 2) { imp.limits = limits(); }
        else if (kind === 3) { imp.valtype = VT[u8()]; imp.mutable = u8() === 1; }
        imports.push(imp);
      }
    } else if (id === 3) {
      for (let n = leb(); n > 0; n--) funcs.push(types[leb()]);
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) { const nm = name(), kind = u8(), index = leb(); exports.push({ name: nm, kind, index }); }
    }
    p = end;
  }
  return { funcs, imports, exports };
}

const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1), u64buf = new BigUint64Array(f64buf.buffer);
function show(type, v) {
  switch (type) {
    case 'i32': return `i32:${v | 0}`;
    case 'i64': return `i64:${BigInt.asIntN(64, BigInt(v))}`;
    case 'f32': f32buf[0] = v; return `f32:0x${u32buf[0].toString(16).padStart(8, '0')}`;
    case 'f64': f64buf[0] = v; return `f64:0x${u64buf[0].toString(16).padStart(16, '0')}`;
    case 'funcref': return `funcref:${v === null ? 'null' : 'func'}`;
    case 'externref': return `externref:${v === null ? 'null' : 'ext'}`;
    default: return `?${type}`;
  }
}
const zero = (type) => (type === 'i64' ? 0n : type === 'funcref' || type === 'externref' ? null : 0);
const zeros = (types) => (types.length === 0 ? undefined : types.length === 1 ? zero(types[0]) : types.map(zero));

// V8's trap messages, reduced to the classes diffrun.c prints.
function trapClass(e) {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'stack';
  const m = e.message;
  const table = [
    [/unreachable/, 'unreachable'],
    [/memory access out of bounds|data segment/, 'oob-memory'],
    [/table index is out of bounds|table access|element segment|out of bounds table|table.*out of bounds/, 'oob-table'],
    [/divide by zero|remainder by zero/, 'div-zero'],
    [/divide result unrepresentable/, 'overflow'],
    [/float unrepresentable/, 'conversion'],
    [/null function|signature mismatch/, 'indirect'],
  ];
  for (const [re, cls] of table) if (re.test(m)) return cls;
  return `other:${e.constructor.name}:${m}`;
}

function runOne(path) {
  const bytes = readFileSync(path);
  let module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    out('compile error');
    process.stderr.write(`diffrun.mjs: ${e.message}\n`);
    return;
  }
  out('compile ok');
  const sig = signatures(bytes);
  // A kiln linker holds one typed definition per name, so a module that
  // imports one name twice with different function types cannot link there;
  // JS functions are untyped and V8 accepts it. Not an engine difference:
  // report it as kiln does.
  const seen = new Map();
  for (const imp of sig.imports) {
    if (imp.kind !== 0) continue;
    const key = `${imp.module}\0${imp.name}`, t = JSON.stringify(imp.type);
    if (seen.has(key) && seen.get(key) !== t) { out('instantiate error'); return; }
    seen.set(key, t);
  }
  const importObject = {};
  for (const imp of sig.imports) {
    const ns = (importObject[imp.module] ??= {});
    if (imp.kind === 0) {
      const t = imp.type;
      ns[imp.name] = (...args) => {
        out(`import ${imp.module}.${imp.name}` + t.params.map((ty, i) => ' ' + show(ty, args[i])).join(''));
        return zeros(t.results);
      };
    } else {
      // Dummies of the right kind at their minimum size, as diffrun.c makes
      // them; -ttf modules do not import these, hand-made modules may.
      const lim = imp.limits && { initial: imp.limits.min, ...(imp.limits.max !== undefined && { maximum: imp.limits.max }) };
      if (imp.kind === 2) ns[imp.name] = new WebAssembly.Memory(lim);
      else if (imp.kind === 1) ns[imp.name] = new WebAssembly.Table({ ...lim, element: imp.elem === 'externref' ? 'externref' : 'anyfunc' });
      else if (imp.kind === 3) ns[imp.name] = new WebAssembly.Global({ value: imp.valtype === 'funcref' ? 'anyfunc' : imp.valtype, mutable: imp.mutable }, zero(imp.valtype));
    }
  }
  let instance;
  try {
    instance = new WebAssembly.Instance(module, importObject);
  } catch (e) {
    if (e instanceof WebAssembly.LinkError) { out('instantiate error'); process.stderr.write(`diffrun.mjs: ${e.message}\n`); }
    else out(`instantiate trap ${trapClass(e)}`);
    return;
  }
  out('instantiate ok');
  for (const ex of sig.exports) {
    if (ex.kind !== 0) continue;
    const t = sig.funcs[ex.index];
    if (ex.name.includes('\0')) {
      // diffrun.c looks exports up by C string and cannot call these.
      out(`call ${ex.name.slice(0, ex.name.indexOf('\0'))}`);
      out('skipped');
      continue;
    }
    out(`call ${ex.name}`);
    let r;
    try {
      r = instance.exports[ex.name](...t.params.map(zero));
    } catch (e) {
      out(`trap ${trapClass(e)}`);
      continue;
    }
    const vals = t.results.length === 1 ? [r] : t.results.length === 0 ? [] : r;
    out('result' + t.results.map((ty, i) => ' ' + show(ty, vals[i])).join(''));
  }
}

const args = process.argv.slice(2);
if (args[0] === '--batch') {
  for (const path of args.slice(1)) {
    fd = openSync(path + '.v8', 'w');
    runOne(path);
    out('end');
    closeSync(fd);
  }
} else {
  runOne(args[0]);
}
