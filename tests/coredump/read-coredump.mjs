#!/usr/bin/env node
// read-coredump.mjs — an independent reader of Wasm coredumps, written from
// WebAssembly tool-conventions Coredump.md alone (it shares no code with
// kiln's reader in src/diag/coredump.c), for tests/suites/coredump.
//
// Usage: read-coredump.mjs CORE [MODULE.wasm]
//        read-coredump.mjs --batch  < lines "CORE<TAB>MODULE<TAB>OUT.json"
// Prints one JSON object:
//   valid_wasm   WebAssembly.validate() of the coredump (V8: it must be a module)
//   executable, modules, instances, threads[{name, frames[{instance, funcidx,
//   codeoffset, module_offset (with MODULE: the code section's payload offset
//   + the function body's start + codeoffset, i.e. the byte offset V8 reports),
//   locals[{type, value}], stack[...]}]}], memories[{min, max}],
//   data[{memory, offset, size}], globals[{type, value}], custom (section names)
// i64 values are strings (JSON has no 64-bit integers); floats are numbers,
// with NaN as the string "nan".
import { readFileSync, writeFileSync } from 'node:fs';

class Reader {
  constructor(bytes, pos = 0, end = bytes.length) { this.b = bytes; this.p = pos; this.end = end; }
  left() { return this.end - this.p; }
  byte() {
    if (this.p >= this.end) throw new Error(`read past the end at ${this.p}`);
    return this.b[this.p++];
  }
  bytes(n) {
    if (n > this.left()) throw new Error(`${n} bytes wanted at ${this.p}, ${this.left()} left`);
    const s = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return s;
  }
  // Unsigned LEB128 (u32 in the binary format).
  u32() {
    let v = 0n, shift = 0n, b;
    do { b = this.byte(); v |= BigInt(b & 0x7f) << shift; shift += 7n; } while (b & 0x80);
    if (v > 0xffffffffn) throw new Error(`u32 too large at ${this.p}`);
    return Number(v);
  }
  // Signed LEB128 of N bits, as a BigInt.
  sN(bits) {
    let v = 0n, shift = 0n, b;
    do { b = this.byte(); v |= BigInt(b & 0x7f) << shift; shift += 7n; } while (b & 0x80);
    if (b & 0x40) v -= 1n << shift;
    return BigInt.asIntN(bits, v);
  }
  name() { return new TextDecoder().decode(this.bytes(this.u32())); }
  // IEEE 754 bits, little-endian.
  f32() { const s = this.bytes(4); return new DataView(s.buffer, s.byteOffset, 4).getFloat32(0, true); }
  f64() { const s = this.bytes(8); return new DataView(s.buffer, s.byteOffset, 8).getFloat64(0, true); }
}

const num = (x) => (Number.isNaN(x) ? 'nan' : x);

// value ::= 0x01 => missing | 0x7F i32 | 0x7E i64 | 0x7D f32 | 0x7C f64
function value(r) {
  const t = r.byte();
  switch (t) {
    case 0x01: return { type: 'missing' };
    case 0x7f: return { type: 'i32', value: Number(r.sN(32)) };
    case 0x7e: return { type: 'i64', value: r.sN(64).toString() };
    case 0x7d: return { type: 'f32', value: num(r.f32()) };
    case 0x7c: return { type: 'f64', value: num(r.f64()) };
    default: throw new Error(`unknown value type 0x${t.toString(16)} at ${r.p - 1}`);
  }
}

function vec(r, f) {
  const n = r.u32();
  const out = [];
  for (let i = 0; i < n; i++) out.push(f(r));
  return out;
}

const valtypes = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

function constExpr(r) {
  const op = r.byte();
  let v;
  switch (op) {
    case 0x41: v = Number(r.sN(32)); break;
    case 0x42: v = r.sN(64).toString(); break;
    case 0x43: v = num(r.f32()); break;
    case 0x44: v = num(r.f64()); break;
    case 0xd0: r.byte(); v = null; break;
    case 0xfd: if (r.u32() !== 12) throw new Error('not v128.const'); v = Buffer.from(r.bytes(16)).toString('hex'); break;
    default: throw new Error(`not a constant expression: opcode 0x${op.toString(16)}`);
  }
  if (r.byte() !== 0x0b) throw new Error('constant expression does not end');
  return v;
}

function parseCore(bytes) {
  const out = { executable: null, modules: [], instances: [], threads: [], memories: [], data: [], globals: [], custom: [] };
  const r = new Reader(bytes);
  const magic = r.bytes(8);
  if (Buffer.compare(Buffer.from(magic), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])) !== 0) throw new Error('not a wasm module');
  const seen = {};
  while (r.left() > 0) {
    const id = r.byte();
    const size = r.u32();
    const s = new Reader(bytes, r.p, r.p + size);
    if (size > r.left()) throw new Error('section past the end');
    r.p += size;
    if (id === 0) {
      const name = s.name();
      out.custom.push(name);
      if (['core', 'coremodules', 'coreinstances'].includes(name)) {
        if (seen[name]) throw new Error(`"${name}" appears twice`);
        seen[name] = true;
      }
      if (name === 'core') {
        if (s.byte() !== 0) throw new Error('process-info must start with 0x0');
        out.executable = s.name();
      } else if (name === 'coremodules') {
        out.modules = vec(s, (q) => { if (q.byte() !== 0) throw new Error('coremodule kind'); return q.name(); });
      } else if (name === 'coreinstances') {
        out.instances = vec(s, (q) => {
          if (q.byte() !== 0) throw new Error('coreinstance kind');
          return { module: q.u32(), memories: vec(q, (z) => z.u32()), globals: vec(q, (z) => z.u32()) };
        });
      } else if (name === 'corestack') {
        if (s.byte() !== 0) throw new Error('thread-info must start with 0x0');
        const thread = { name: s.name(), frames: [] };
        thread.frames = vec(s, (q) => {
          if (q.byte() !== 0) throw new Error('frame must start with 0x0');
          return { instance: q.u32(), funcidx: q.u32(), codeoffset: q.u32(), locals: vec(q, value), stack: vec(q, value) };
        });
        out.threads.push(thread);
      } else {
        continue; // some other tool's section
      }
    } else if (id === 5) {
      out.memories = vec(s, (q) => {
        const flags = q.byte();
        const m = { min: q.u32() };
        if (flags & 1) m.max = q.u32();
        return m;
      });
    } else if (id === 6) {
      out.globals = vec(s, (q) => {
        const type = valtypes[q.byte()];
        const mut = q.byte();
        return { type, mutable: mut === 1, value: constExpr(q) };
      });
    } else if (id === 11) {
      out.data = vec(s, (q) => {
        const flags = q.u32();
        let memory = 0;
        if (flags === 2) memory = q.u32();
        else if (flags !== 0) throw new Error(`data segment kind ${flags}`);
        const offset = constExpr(q) >>> 0;
        const size = q.u32();
        q.bytes(size);
        return { memory, offset, size };
      });
    } else {
      continue;
    }
    if (s.left() !== 0) throw new Error(`section ${id} has ${s.left()} bytes left over`);
  }
  return out;
}

// The code section's payload offset and every defined function's body start
// (just past its size), from the module's own bytes.
function bodies(bytes) {
  const r = new Reader(bytes, 8);
  let imports = 0;
  while (r.left() > 0) {
    const id = r.byte();
    const size = r.u32();
    const start = r.p;
    const s = new Reader(bytes, start, start + size);
    r.p += size;
    if (id === 2) {
      for (let n = s.u32(), i = 0; i < n; i++) {
        s.name(); s.name();
        const kind = s.byte();
        if (kind === 0) { s.u32(); imports++; }
        else if (kind === 1) { s.byte(); const f = s.byte(); s.u32(); if (f & 1) s.u32(); }
        else if (kind === 2) { const f = s.byte(); s.u32(); if (f & 1) s.u32(); }
        else if (kind === 3) { s.byte(); s.byte(); }
      }
    } else if (id === 10) {
      const starts = [];
      for (let n = s.u32(), i = 0; i < n; i++) {
        const len = s.u32();
        starts.push(s.p - start);
        s.p += len;
      }
      return { code: start, imports, starts };
    }
  }
  throw new Error('the module has no code section');
}

function read(corePath, modPath) {
  const bytes = readFileSync(corePath);
  const out = parseCore(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  out.valid_wasm = WebAssembly.validate(bytes);
  if (modPath) {
    const mb = readFileSync(modPath);
    const b = bodies(new Uint8Array(mb.buffer, mb.byteOffset, mb.length));
    for (const t of out.threads)
      for (const f of t.frames) {
        const body = b.starts[f.funcidx - b.imports];
        if (body !== undefined) f.module_offset = b.code + body + f.codeoffset;
      }
  }
  return JSON.stringify(out) + '\n';
}

// --batch: lines "CORE<TAB>MODULE<TAB>OUT.json" on stdin (one Node start for
// many files); a file that does not parse gets OUT.err with the reason.
const args = process.argv.slice(2);
if (args[0] === '--batch') {
  for (const line of readFileSync(0, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [core, mod, out] = line.split('\t');
    try { writeFileSync(out, read(core, mod || null)); }
    catch (e) { writeFileSync(out.replace(/\.json$/, '') + '.err', `${core}: ${e.message}\n`); }
  }
} else if (args[0]) {
  try { process.stdout.write(read(args[0], args[1])); }
  catch (e) { process.stderr.write(`read-coredump: ${args[0]}: ${e.message}\n`); process.exit(1); }
} else {
  process.stderr.write('usage: read-coredump.mjs CORE [MODULE.wasm] | --batch < lines of CORE\tMODULE\tOUT\n');
  process.exit(2);
}
