#!/usr/bin/env node
// v8-frames.mjs — the second opinion on a trap's frames: runs a wasm32-wasi
// command under Node (V8 + node:wasi) and prints, as JSON, V8's message and
// the wasm frames of the RuntimeError's stack, innermost first, each as
// {func, offset}: the function index and the byte offset in the module of the
// trapping instruction (or of the call, in outer frames), as V8 prints them
// ("wasm-function[8]:0x264"). A module without a memory export is not a WASI
// program: its _start is called directly.
//
// Usage: v8-frames.mjs MODULE.wasm [ARGS...]          (JSON on stdout)
//        v8-frames.mjs --batch  < lines "OUT.json<TAB>MODULE<TAB>ARG..."
import { readFileSync, writeFileSync } from 'node:fs';

process.emitWarning = () => {}; // node:wasi's ExperimentalWarning
const { WASI } = await import('node:wasi');
Error.stackTraceLimit = Infinity;

async function frames(path, args) {
  const wasi = new WASI({ version: 'preview1', args: [path, ...args], env: {}, returnOnExit: true });
  const mod = await WebAssembly.compile(readFileSync(path));
  // getImportObject() is Node 20's; Node 18 (Debian 12) has only wasiImport.
  const imports = typeof wasi.getImportObject === 'function'
    ? wasi.getImportObject() : { wasi_snapshot_preview1: wasi.wasiImport };
  const inst = await WebAssembly.instantiate(mod, imports);
  try {
    if (inst.exports.memory) wasi.start(inst);
    else inst.exports._start();
  } catch (e) {
    const out = [];
    for (const line of String(e.stack).split('\n')) {
      const m = /wasm-function\[(\d+)\]:0x([0-9a-f]+)/.exec(line);
      if (m) out.push({ func: Number(m[1]), offset: parseInt(m[2], 16) });
    }
    return { message: e.message, frames: out };
  }
  return { message: null, frames: [] };
}

const argv = process.argv.slice(2);
if (argv[0] === '--batch') {
  for (const line of readFileSync(0, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [out, path, ...args] = line.split('\t');
    let r;
    try { r = await frames(path, args); } catch (e) { r = { error: e.message, frames: [] }; }
    writeFileSync(out, JSON.stringify(r) + '\n');
  }
} else {
  const r = await frames(argv[0], argv.slice(1));
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(r.message ? 0 : 1);
}
