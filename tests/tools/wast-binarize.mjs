// wast-binarize.mjs — converts a .wast script into the JSON + .wasm files
// `kiln spectest` reads (wast2json's format), with wabt.js from npm. Debian's
// wast2json (wabt 1.0.32) predates Wasm 3.0's exception handling (try_table,
// throw_ref, exnref); wabt.js 1.0.39 parses it but has no wast2json, so this
// script splits the script itself and lets wabt.js compile each module.
//
// Usage: node tests/tools/wast-binarize.mjs IN.wast OUT.json
//   WABTJS: the directory holding node_modules/wabt (default: .deps/npm,
//   where scripts/deps.sh installs it).
// Handles module (text, binary, quote), register, invoke/get actions,
// assert_return, assert_trap, assert_exhaustion, assert_exception,
// assert_invalid, assert_malformed, assert_unlinkable. A module wabt.js cannot
// parse (a feature it lacks) is written as a missing file, so running the
// script fails there instead of silently skipping it; the converter names it
// on stderr.
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";

const [inPath, outPath] = process.argv.slice(2);
if (!inPath || !outPath) {
  console.error("usage: node wast-binarize.mjs IN.wast OUT.json");
  process.exit(2);
}
const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const wabtDir = process.env.WABTJS || join(root, ".deps/npm");
const require = createRequire(join(wabtDir, "node_modules/"));
let wabtInit;
try {
  wabtInit = require("wabt");
} catch (e) {
  console.error(`wast-binarize: wabt.js not found under ${wabtDir} (run scripts/deps.sh, or set WABTJS)`);
  process.exit(3);
}
const wabt = await wabtInit();
const features = {
  exceptions: true, mutable_globals: true, sat_float_to_int: true, sign_extension: true, simd: true,
  multi_value: true, bulk_memory: true, reference_types: true, tail_call: true,
};

const src = readFileSync(inPath, "utf8");

// ---- S-expressions: each node keeps its text span and line.
function parse(text) {
  let i = 0, line = 1;
  const top = [];
  const stack = [];
  const skipSpace = () => {
    for (;;) {
      if (i >= text.length) return;
      const c = text[i];
      if (c === "\n") { line++; i++; }
      else if (c === " " || c === "\t" || c === "\r") i++;
      else if (c === ";" && text[i + 1] === ";") { while (i < text.length && text[i] !== "\n") i++; }
      else if (c === "(" && text[i + 1] === ";") {
        let depth = 0;
        do {
          if (text[i] === "(" && text[i + 1] === ";") { depth++; i += 2; }
          else if (text[i] === ";" && text[i + 1] === ")") { depth--; i += 2; }
          else { if (text[i] === "\n") line++; i++; }
        } while (depth > 0 && i < text.length);
      } else return;
    }
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) break;
    const c = text[i];
    if (c === "(") {
      stack.push({ list: [], start: i, line });
      i++;
    } else if (c === ")") {
      const n = stack.pop();
      n.end = ++i;
      (stack.length ? stack[stack.length - 1].list : top).push(n);
    } else if (c === '"') {
      const s = i;
      i++;
      while (i < text.length && text[i] !== '"') { if (text[i] === "\\") i++; i++; }
      i++;
      stack[stack.length - 1].list.push({ atom: text.slice(s, i), str: true });
    } else {
      const s = i;
      while (i < text.length && !" \t\r\n()".includes(text[i])) i++;
      stack[stack.length - 1].list.push({ atom: text.slice(s, i) });
    }
  }
  return top;
}

// A wast string literal's bytes.
function strBytes(lit) {
  const out = [];
  const body = lit.slice(1, -1);
  for (let k = 0; k < body.length; k++) {
    const c = body[k];
    if (c !== "\\") { for (const b of Buffer.from(c, "utf8")) out.push(b); continue; }
    const d = body[++k];
    if (/[0-9a-fA-F]/.test(d) && /[0-9a-fA-F]/.test(body[k + 1] || "")) { out.push(parseInt(body.substr(k, 2), 16)); k++; }
    else if (d === "n") out.push(10);
    else if (d === "t") out.push(9);
    else if (d === "r") out.push(13);
    else if (d === "u") { const e = body.indexOf("}", k); const cp = parseInt(body.slice(k + 2, e), 16); for (const b of Buffer.from(String.fromCodePoint(cp), "utf8")) out.push(b); k = e; }
    else for (const b of Buffer.from(d, "utf8")) out.push(b);
  }
  return out;
}
const strText = (lit) => Buffer.from(strBytes(lit)).toString("utf8");

const base = basename(outPath, ".json");
const outDir = dirname(outPath);
let nfile = 0;
const commands = [];

// Compiles a module form; returns {filename, module_type} (a missing file
// when wabt.js cannot parse it).
function moduleFile(node, forBadModule) {
  const items = node.list;
  let k = 1;
  let name;
  if (items[k] && items[k].atom && items[k].atom.startsWith("$")) name = items[k++].atom;
  const kind = items[k] && items[k].atom;
  if (kind === "binary") {
    const bytes = [];
    for (k++; k < items.length; k++) bytes.push(...strBytes(items[k].atom));
    const f = `${base}.${nfile++}.wasm`;
    writeFileSync(join(outDir, f), Buffer.from(bytes));
    return { name, filename: f, module_type: "binary" };
  }
  if (kind === "quote") {
    let text = "";
    for (k++; k < items.length; k++) text += strText(items[k].atom) + " ";
    const f = `${base}.${nfile++}.wat`;
    writeFileSync(join(outDir, f), `(module ${text})`);
    return { name, filename: f, module_type: "text" };
  }
  const text = src.slice(node.start, node.end);
  const f = `${base}.${nfile++}.wasm`;
  try {
    const m = wabt.parseWat(`${inPath}:${node.line}`, text, features);
    try { m.resolveNames(); } catch (e) { if (!forBadModule) throw e; }
    if (!forBadModule) m.validate(features);
    const bin = m.toBinary({ write_debug_names: false });
    writeFileSync(join(outDir, f), Buffer.from(bin.buffer));
    m.destroy();
  } catch (e) {
    if (forBadModule) {
      // Text wabt rejects while the script expects rejection: like a quote.
      const wf = `${base}.${nfile++}.wat`;
      writeFileSync(join(outDir, wf), text);
      return { name, filename: wf, module_type: "text" };
    }
    console.error(`wast-binarize: ${inPath}:${node.line}: wabt.js cannot compile this module: ${String(e.message).split("\n")[0]}`);
    return { name, filename: `${base}.${nfile - 1}.missing.wasm`, module_type: "binary" };
  }
  return { name, filename: f, module_type: "binary" };
}

function intBits(lit, bits) {
  let s = lit.replace(/_/g, "");
  let neg = false;
  if (s[0] === "-" || s[0] === "+") { neg = s[0] === "-"; s = s.slice(1); }
  let v = BigInt(s);
  if (neg) v = -v;
  return BigInt.asUintN(bits, v).toString();
}

// A float literal's bits: wabt.js compiles it into a global's initializer.
function floatBits(lit, bits) {
  if (lit.startsWith("nan:canonical") || lit.startsWith("nan:arithmetic")) return lit;
  const t = bits === 32 ? "f32" : "f64";
  const m = wabt.parseWat("const", `(module (global ${t} (${t}.const ${lit})))`, features);
  const b = Buffer.from(m.toBinary({}).buffer);
  m.destroy();
  const n = bits / 8;
  const at = b.length - 1 - n; // ... const-op, n bytes, end
  return (bits === 32 ? BigInt(b.readUInt32LE(at)) : b.readBigUInt64LE(at)).toString();
}

function value(node) {
  const op = node.list[0].atom;
  const arg = node.list[1] && node.list[1].atom;
  switch (op) {
    case "i32.const": return { type: "i32", value: intBits(arg, 32) };
    case "i64.const": return { type: "i64", value: intBits(arg, 64) };
    case "f32.const": return { type: "f32", value: floatBits(arg, 32) };
    case "f64.const": return { type: "f64", value: floatBits(arg, 64) };
    case "ref.null": {
      const t = { func: "funcref", extern: "externref", exn: "exnref", funcref: "funcref", externref: "externref", exnref: "exnref" }[arg];
      return { type: t || arg, value: "null" };
    }
    case "ref.extern": return { type: "externref", value: arg };
    case "ref.func": return { type: "funcref" };
    case "ref.exn": return { type: "exnref" };
    default: throw new Error(`unsupported value ${op}`);
  }
}

function action(node) {
  const items = node.list;
  const type = items[0].atom;
  let k = 1;
  const a = { type: type === "invoke" ? "invoke" : "get" };
  if (items[k].atom && items[k].atom.startsWith("$")) a.module = items[k++].atom;
  a.field = strText(items[k++].atom);
  if (type === "invoke") a.args = items.slice(k).map(value);
  return a;
}

const tops = parse(src);
for (const node of tops) {
  const head = node.list[0].atom;
  const line = node.line;
  const sub = node.list[1];
  switch (head) {
    case "module": {
      const mf = moduleFile(node, false);
      const c = { type: "module", line };
      if (mf.name) c.name = mf.name;
      c.filename = mf.filename;
      commands.push(c);
      break;
    }
    case "register": {
      const c = { type: "register", line, as: strText(node.list[1].atom) };
      if (node.list[2]) c.name = node.list[2].atom;
      commands.push(c);
      break;
    }
    case "invoke": case "get":
      commands.push({ type: "action", line, action: action(node) });
      break;
    case "assert_return":
      commands.push({ type: "assert_return", line, action: action(sub), expected: node.list.slice(2).map(value) });
      break;
    case "assert_exception":
      commands.push({ type: "assert_exception", line, action: action(sub), expected: [] });
      break;
    case "assert_trap": case "assert_exhaustion": {
      const text = strText(node.list[2].atom);
      if (sub.list[0].atom === "module") {
        const mf = moduleFile(sub, false);
        commands.push({ type: "assert_uninstantiable", line, filename: mf.filename, text, module_type: mf.module_type });
      } else {
        commands.push({ type: head, line, action: action(sub), text, expected: [] });
      }
      break;
    }
    case "assert_invalid": case "assert_malformed": case "assert_unlinkable": {
      const mf = moduleFile(sub, head !== "assert_unlinkable");
      commands.push({ type: head, line, filename: mf.filename, text: strText(node.list[2].atom), module_type: mf.module_type });
      break;
    }
    default:
      console.error(`wast-binarize: ${inPath}:${line}: unsupported command ${head}`);
      process.exit(1);
  }
}
writeFileSync(outPath, JSON.stringify({ source_filename: inPath, commands }, null, 1));
