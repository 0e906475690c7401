#!/usr/bin/env -S node --single-threaded-gc
// node-wasi.mjs — runs a wasm32-wasi command module under Node.js (V8 and
// node:wasi, WASI preview 1). It is the second engine of kiln's differential
// tests: same module, same arguments, and the outputs must match byte for byte.
//
// Usage: node-wasi.mjs [options] MODULE.wasm [ARGS...]
//   --dir HOST[::GUEST]  preopen directory HOST, seen by the guest as GUEST
//                        (default: the same path); repeatable
//   --env NAME=VALUE     set a guest environment variable; repeatable
//   --argv0 NAME         the guest's argv[0] (default: MODULE as given)
//   --                   end of options
// stdin, stdout and stderr are the process's own. The exit status is the
// guest's exit code; a trap prints the error on stderr and exits with 134
// (as wasmtime does); a usage error exits with 2.

// Node 20 (V8 11.3) on our machines crashes at random (SIGSEGV, status 139,
// usually as the process ends, after the guest's output is complete) once a
// module's memory has grown past ~100 MiB, while V8's parallel GC threads run.
// --single-threaded-gc prevents it (measured: 0 crashes in 60 runs, against 23
// in 30 without) and costs wasm code nothing, as the JS heap here is tiny.
// V8 flags cannot change once Node runs, so without the flag (`node
// node-wasi.mjs ...` rather than running the script itself) we run ourselves
// again with it.
const GC_FLAG = '--single-threaded-gc';
if (!process.execArgv.includes(GC_FLAG)) {
  const { spawnSync } = await import('node:child_process');
  const { constants } = await import('node:os');
  const r = spawnSync(process.execPath, [...process.execArgv, GC_FLAG, ...process.argv.slice(1)], { stdio: 'inherit' });
  if (r.error) {
    process.stderr.write(`node-wasi: cannot run node again with ${GC_FLAG}: ${r.error.message}\n`);
    process.exit(1);
  }
  process.exit(r.status ?? 128 + (constants.signals[r.signal] ?? 0));
}

// node:wasi announces itself with an ExperimentalWarning on stderr, which
// would pollute the guest's stderr in comparisons; drop that one warning.
const emitWarning = process.emitWarning;
process.emitWarning = (w, ...rest) => {
  const text = typeof w === 'string' ? w : (w && w.message) || '';
  if (/WASI/.test(text)) return;
  return emitWarning.call(process, w, ...rest);
};

const { readFileSync } = await import('node:fs');
const { WASI } = await import('node:wasi');

function usage(msg) {
  if (msg) process.stderr.write(`node-wasi: ${msg}\n`);
  process.stderr.write('usage: node-wasi.mjs [--dir HOST[::GUEST]]... [--env K=V]... [--argv0 NAME] MODULE.wasm [ARGS...]\n');
  process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let argv0 = null;
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { i++; break; }
  if (!a.startsWith('--')) break;
  const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
  if (a === '--dir') {
    const v = val();
    const sep = v.indexOf('::');
    const host = sep < 0 ? v : v.slice(0, sep);
    const guest = sep < 0 ? v : v.slice(sep + 2);
    preopens[guest] = host;
  } else if (a === '--env') {
    const v = val();
    const eq = v.indexOf('=');
    if (eq <= 0) usage(`--env wants NAME=VALUE, not '${v}'`);
    env[v.slice(0, eq)] = v.slice(eq + 1);
  } else if (a === '--argv0') {
    argv0 = val();
  } else if (a === '--help') {
    usage();
  } else {
    usage(`unknown option ${a}`);
  }
}
if (i >= argv.length) usage('no module given');
const modulePath = argv[i];
const guestArgs = [argv0 ?? modulePath, ...argv.slice(i + 1)];

let bytes;
try {
  bytes = readFileSync(modulePath);
} catch (e) {
  process.stderr.write(`node-wasi: cannot read ${modulePath}: ${e.message}\n`);
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: guestArgs,
  env,
  preopens,
  returnOnExit: true,
  stdin: 0,
  stdout: 1,
  stderr: 2,
});

// The imports for the module. Node 20 has getImportObject(); Node 18 (Debian
// 12's nodejs) only the wasiImport property, the same preview1 namespace.
//
// uvwasi before 0.0.21 (Node 18 ships 0.0.19) counts the '\0' it writes after
// a link's target in path_readlink's bufused: readlink("soft") returns 12 for
// "renamed.txt". uvwasi fixed it in 0.0.21 (nodejs/uvwasi#263, commit
// 38d124c: "*bufused = len"). The bug is exact (success always reports len+1),
// so we report len, as uvwasi now does, and Node stays a usable oracle for
// everything else path_readlink returns (the target, the errors).
let memory = null;
function importObject(wasi) {
  const ns = typeof wasi.getImportObject === 'function'
    ? wasi.getImportObject().wasi_snapshot_preview1
    : wasi.wasiImport;
  if (!uvwasiBefore(0, 0, 21)) return { wasi_snapshot_preview1: ns };
  const readlink = ns.path_readlink;
  const fixed = {
    ...ns,
    path_readlink(fd, path, pathLen, buf, bufLen, bufusedPtr) {
      const errno = readlink(fd, path, pathLen, buf, bufLen, bufusedPtr);
      if (errno === 0 && memory) {
        const view = new DataView(memory.buffer);
        const used = view.getUint32(bufusedPtr, true);
        if (used > 0) view.setUint32(bufusedPtr, used - 1, true);
      }
      return errno;
    },
  };
  return { wasi_snapshot_preview1: fixed };
}
function uvwasiBefore(...want) {
  const have = (process.versions.uvwasi || '').split('.').map(Number);
  for (let k = 0; k < want.length; k++) {
    if ((have[k] || 0) !== want[k]) return (have[k] || 0) < want[k];
  }
  return false;
}

let code;
try {
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, importObject(wasi));
  memory = instance.exports.memory;
  code = wasi.start(instance);
} catch (e) {
  // A trap (RuntimeError) or a link/validation failure.
  process.stderr.write(`node-wasi: ${e && e.stack ? e.stack : e}\n`);
  process.exit(e instanceof WebAssembly.RuntimeError ? 134 : 1);
}
process.exitCode = code ?? 0;
