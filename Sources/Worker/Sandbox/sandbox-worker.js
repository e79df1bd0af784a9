// Junction sandbox worker bootstrap, part 1 of 3: captures, lockdown, console
// capture and the script compiler.
//
// The bootstrap is ONE function body split over three files to keep each readable:
// sandbox-worker.js, sandbox-worker-errors.js (errors, results, code preparation) and
// sandbox-worker-run.js (the run, codemode, the port protocol, boot). The parts share
// one scope: `sandboxWorkerSource()` below joins their bodies, in this order, into the
// one function every sandbox worker runs, so each part may use what an earlier part
// declared. No part is ever called where it is defined.
//
// sandbox-host.js makes the assembled source the module of every sandbox Web
// Worker (each created with no permissions at all, used for one run and
// terminated). It must not reference anything outside the three parts' bodies. It runs before any user code exists: it
// captures what it relies on, locks the global scope down, checks that the
// runtime refuses module loading, and then runs exactly one piece of user code.
//
// User code is never a module. It is compiled as a classic script by Deno's
// script compiler (`core.evalContext`, the one node:vm uses), with the
// host-defined option that deno_core's dynamic-import hook answers with a
// rejection (kind 1, VM_DYNAMIC_IMPORT_MISSING: a node:vm script without an
// `importModuleDynamically` callback). So `import`/`export` statements and
// `import.meta` are syntax errors of the script grammar, and `import()` is
// refused by the runtime, also from every function, promise job and timer the
// script creates. String code generation (eval, Function and its siblings,
// setTimeout("code")) is refused by V8 (--disallow-code-generation-from-strings).
// Every worker checks both at boot and refuses to serve if either does not hold.
import { sandboxWorkerErrors } from "./sandbox-worker-errors.js";
import { sandboxWorkerRun } from "./sandbox-worker-run.js";

export function sandboxWorker() {
  // Capture everything the bootstrap relies on before user code can touch it.
  const G = globalThis;
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const ownKeys = Reflect.ownKeys;
  const freeze = Object.freeze;
  const create = Object.create;
  const getPrototypeOf = Object.getPrototypeOf;
  const stringify = JSON.stringify;
  const PromiseCtor = Promise;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const MapCtor = Map;
  const SetCtor = Set;
  const ProxyCtor = Proxy;
  const validName = /^[A-Za-z_$][\w$]{0,127}$/;
  const encoder = new TextEncoder();
  const encodeInto = encoder.encodeInto.bind(encoder);
  const inspect = Deno.inspect;
  const mapGet = MapCtor.prototype.get;
  const mapSet = MapCtor.prototype.set;
  const mapDelete = MapCtor.prototype.delete;
  const setHas = SetCtor.prototype.has;
  const strSlice = String.prototype.slice;
  const strSplit = String.prototype.split;
  const strReplace = String.prototype.replace;
  const strIndexOf = String.prototype.indexOf;
  const strToLower = String.prototype.toLowerCase;
  const reExec = RegExp.prototype.exec;
  const reTest = RegExp.prototype.test;
  const arrayJoin = Array.prototype.join;
  const arrayPush = Array.prototype.push;
  const arraySlice = Array.prototype.slice;
  const arraySort = Array.prototype.sort;
  const isArray = Array.isArray;
  const mathMin = Math.min;

  const slice = (s, a, b) => apply(strSlice, s, [a, b]);
  const split = (s, sep) => apply(strSplit, s, [sep]);
  const replace = (s, re, r) => apply(strReplace, s, [re, r]);
  const indexOf = (s, x, from) => apply(strIndexOf, s, [x, from]);
  const lower = (s) => apply(strToLower, s, []);
  const exec = (re, s) => apply(reExec, re, [s]);
  const test = (re, s) => apply(reTest, re, [s]);
  const join = (a, sep) => apply(arrayJoin, a, [sep]);
  const push = (a, v) => apply(arrayPush, a, [v]);

  // The script compiler, and the check that V8 refuses string code generation.
  // Both before the lockdown, which removes `Deno[Deno.internal]` and stubs
  // `eval` (a stub would make the check pass by itself).
  let evalContext = null;
  try {
    const core = Deno[Deno.internal].core;
    if (typeof core.evalContext === "function") evalContext = core.evalContext;
  } catch { /* reported by selfCheck */ }
  let stringCodeRefused = false;
  try {
    (0, G.eval)("1");
  } catch {
    stringCodeRefused = true;
  }

  let send = null; // bound postMessage of the private port
  let run = null; // the one run this worker will ever execute

  // ----- lockdown ----------------------------------------------------------
  // A zero-permission worker can still touch the process's stdin/stdout (via
  // Deno.stdin/stdout, the original console, the `process` global, Deno's
  // internals) and other workers (BroadcastChannel, nested Workers). Remove
  // those paths before any user code runs. The host channel does not depend on
  // it (frames are authenticated with a key no worker ever sees), but nothing
  // a run writes should reach the process's output.
  const unavailable = (what) =>
    function () {
      throw new TypeErrorCtor(what + " is not available in the sandbox");
    };
  const lock = (obj, key, value) => {
    try {
      defineProperty(obj, key, { value, writable: false, enumerable: false, configurable: false });
    } catch {
      try {
        delete obj[key];
      } catch { /* ignore */ }
    }
  };
  for (
    const key of [
      "Worker",
      "SharedWorker",
      "BroadcastChannel",
      "process",
      "nodeBootstrap",
      "caches",
      "CacheStorage",
      "Cache",
      "Lock",
      "LockManager",
    ]
  ) {
    try {
      delete G[key];
    } catch { /* ignore */ }
  }
  try {
    const navProto = getPrototypeOf(G.navigator);
    if (navProto && getOwnPropertyDescriptor(navProto, "locks")) {
      defineProperty(navProto, "locks", { get: () => undefined, configurable: false });
    }
  } catch { /* ignore */ }

  // The host ignores the worker's global channel (all traffic uses the
  // private port), so global postMessage would only let user code make the
  // host deserialise messages for nothing. Blob URLs live in a process-wide
  // store that outlives the worker.
  lock(G, "postMessage", unavailable("postMessage"));
  lock(URL, "createObjectURL", unavailable("URL.createObjectURL"));
  lock(URL, "revokeObjectURL", unavailable("URL.revokeObjectURL"));

  // V8 refuses these already; the stubs give a clearer message.
  lock(G, "eval", unavailable("eval"));
  const FunctionStub = unavailable("The Function constructor");
  try {
    FunctionStub.prototype = Function.prototype; // keep `x instanceof Function` working
  } catch { /* ignore */ }
  const fnKinds = [function () {}, async function () {}, function* () {}, async function* () {}];
  for (const f of fnKinds) {
    lock(getPrototypeOf(f), "constructor", FunctionStub);
  }
  lock(G, "Function", FunctionStub);

  // A Deno namespace without stdio, process control or internals (only string
  // keys are copied: `Deno[Deno.internal]` is gone). Permission gated APIs
  // stay, so that they fail with NotCapable like they would anyway.
  const denyDeno = new SetCtor([
    "stdin",
    "stdout",
    "stderr",
    "exit",
    "exitCode",
    "internal",
    "core",
    "addSignalListener",
    "removeSignalListener",
    "umask",
    "test",
    "bench",
    "lint",
    "jupyter",
    "telemetry",
    "refTimer",
    "unrefTimer",
    "kill",
    "dlopen",
    "UnsafeCallback",
    "UnsafePointer",
    "UnsafePointerView",
    "UnsafeFnPointer",
    "openKv",
    "cron",
  ]);
  const safeDeno = create(null);
  for (const key of ownKeys(Deno)) {
    if (typeof key !== "string" || apply(setHas, denyDeno, [key])) continue;
    try {
      const d = getOwnPropertyDescriptor(Deno, key);
      if (!d) continue;
      if ("value" in d) defineProperty(safeDeno, key, { value: d.value, enumerable: true });
      else if (d.get) {
        const realDeno = Deno;
        const getter = d.get;
        defineProperty(safeDeno, key, { get: () => apply(getter, realDeno, []), enumerable: true });
      }
    } catch { /* ignore */ }
  }
  freeze(safeDeno);
  lock(G, "Deno", safeDeno);

  // ----- console capture -----------------------------------------------------
  const utf8Length = (s) => {
    let n = s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) continue;
      if (c < 0x800) n += 1;
      else if (c >= 0xd800 && c <= 0xdbff) {
        n += 2;
        i++;
      } else n += 2;
    }
    return n;
  };
  const truncateUtf8 = (s, maxBytes) => {
    if (maxBytes <= 0) return "";
    const buf = new Uint8Array(maxBytes);
    const { read } = encodeInto(s, buf);
    return slice(s, 0, read);
  };
  // Set by the run: what `console.log(codemode)` prints (a proxy has no useful own shape).
  let describeCodemode = null;
  const formatValue = (v) => {
    try {
      if (describeCodemode !== null && run && v === run.codemode) return describeCodemode();
      switch (typeof v) {
        case "string":
          return v;
        case "undefined":
          return "undefined";
        case "function":
          return "[Function " + (v.name || "anonymous") + "]";
        case "bigint":
          return v + "n";
        case "symbol":
          return v.toString();
        case "object": {
          if (v === null) return "null";
          if (v instanceof ErrorCtor) return v.name + ": " + v.message;
          if (v instanceof MapCtor || v instanceof SetCtor) return inspect(v);
          const s = stringify(v);
          if (typeof s === "string") return s;
          return inspect(v);
        }
        default:
          return String(v);
      }
    } catch {
      try {
        return inspect(v);
      } catch {
        return "[unprintable value]";
      }
    }
  };
  let logBytes = 0;
  let droppedBytes = 0;
  let nextDropReport = 1;
  let groupIndent = "";
  const emitLog = (prefix, args) => {
    if (!run || run.finished) return;
    const parts = [];
    for (let i = 0; i < args.length; i++) push(parts, formatValue(args[i]));
    let line = prefix + groupIndent + join(parts, " ");
    const bytes = utf8Length(line) + 1;
    if (logBytes + bytes <= run.maxLogBytes) {
      logBytes += bytes;
      send({ t: "log", s: line });
      return;
    }
    const room = run.maxLogBytes - logBytes - 1;
    if (room > 0) {
      line = truncateUtf8(line, room);
      const used = utf8Length(line) + 1;
      logBytes += used;
      droppedBytes += bytes - used;
      send({ t: "log", s: line });
    } else {
      droppedBytes += bytes;
    }
    logBytes = run.maxLogBytes;
    if (droppedBytes >= nextDropReport) { // O(log n) messages, so a stopped run still reports a lower bound
      while (nextDropReport <= droppedBytes) nextDropReport *= 2;
      send({ t: "drop", n: droppedBytes });
    }
  };
  const counts = create(null);
  const timers = create(null);
  const sandboxConsole = create(null);
  const consoleMethods = {
    log: (...a) => emitLog("", a),
    info: (...a) => emitLog("", a),
    debug: (...a) => emitLog("", a),
    dir: (v) => emitLog("", [v]),
    dirxml: (...a) => emitLog("", a),
    table: (v) => emitLog("", [v]),
    warn: (...a) => emitLog("[warn] ", a),
    error: (...a) => emitLog("[error] ", a),
    trace: (...a) => emitLog("[trace] ", a),
    assert: (cond, ...a) => {
      if (!cond) emitLog("[error] ", ["Assertion failed" + (a.length ? ":" : ""), ...a]);
    },
    count: (label = "default") => {
      counts[label] = (counts[label] || 0) + 1;
      emitLog("", [label + ": " + counts[label]]);
    },
    countReset: (label = "default") => {
      counts[label] = 0;
    },
    time: (label = "default") => {
      timers[label] = performance.now();
    },
    timeLog: (label = "default", ...a) => {
      if (timers[label] !== undefined) {
        emitLog("", [label + ": " + (performance.now() - timers[label]).toFixed(3) + "ms", ...a]);
      }
    },
    timeEnd: (label = "default") => {
      if (timers[label] !== undefined) {
        emitLog("", [label + ": " + (performance.now() - timers[label]).toFixed(3) + "ms"]);
        delete timers[label];
      }
    },
    group: (...a) => {
      if (a.length) emitLog("", a);
      groupIndent += "  ";
    },
    groupCollapsed: (...a) => {
      if (a.length) emitLog("", a);
      groupIndent += "  ";
    },
    groupEnd: () => {
      groupIndent = slice(groupIndent, 2);
    },
    clear: () => {},
    profile: () => {},
    profileEnd: () => {},
    timeStamp: () => {},
  };
  for (const k of ownKeys(consoleMethods)) {
    defineProperty(sandboxConsole, k, { value: consoleMethods[k], enumerable: true });
  }
  freeze(sandboxConsole);
  lock(G, "console", sandboxConsole);

  // ----- compiling user code -------------------------------------------------
  // The name user code has in stack traces. Not a file: nothing is ever read.
  const SCRIPT_URL = "junction:code";
  // deno_core's host-defined-options kind 1 (VM_DYNAMIC_IMPORT_MISSING): the
  // runtime's dynamic-import hook rejects every import() from such a script.
  const NO_IMPORTS = [1];
  // Strict, like the modules user code used to be. On the first line, so that
  // line N of the script is line N of the code.
  const PREFIX = '"use strict";';
  // Compiles and evaluates a script. `ran` is true when user code may have run
  // (then nothing may be retried); a compile error means nothing ran.
  const compile = (source) => {
    let r;
    try {
      r = evalContext(source, SCRIPT_URL, NO_IMPORTS);
    } catch (e) {
      return { ok: false, ran: true, error: e };
    }
    if (!isArray(r)) return { ok: false, ran: true, error: new ErrorCtor("the code could not be started") };
    const err = r[1];
    if (err !== null && err !== undefined) {
      return { ok: false, ran: err.isCompileError !== true, error: err.thrown };
    }
    return { ok: true, value: r[0] };
  };
  // The message a script fails to compile with, never running any of it
  // (null when it compiles).
  const compileMessage = (source) => {
    if (indexOf(source, PREFIX, 0) !== 0) return undefined;
    const c = compile(PREFIX + "throw 0;" + slice(source, PREFIX.length));
    if (c.ok || c.ran) return null;
    try {
      return String(c.error && c.error.message);
    } catch {
      return undefined;
    }
  };
  // V8 does not tell script code where a syntax error is. Compiling growing
  // prefixes does: a prefix that ends before the error compiles or fails
  // differently ("Unexpected end of input"), one that contains it fails the same.
  const syntaxErrorLine = (source, message) => {
    const lines = split(source, "\n");
    if (lines.length < 2 || test(/end of input/, message)) {
      let last = lines.length - 1; // the last line is the wrapper's own
      while (last > 1 && test(/^\s*$/, lines[last - 1])) last--;
      return last;
    }
    let lo = 1;
    let hi = lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compileMessage(join(apply(arraySlice, lines, [0, mid]), "\n")) === message) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const selfCheck = async () => {
    if (!stringCodeRefused) return "V8 did not refuse string code generation (--disallow-code-generation-from-strings)";
    if (evalContext === null) return "this Deno has no script compiler (Deno[Deno.internal].core.evalContext)";
    const probe = compile(
      PREFIX + '(async () => { try { await import("data:text/javascript,export default 1"); return "loaded"; } ' +
        'catch { return "refused"; } })',
    );
    if (!probe.ok || typeof probe.value !== "function") return "the import probe did not compile";
    if ((await probe.value()) !== "refused") return "the runtime did not refuse import() from sandboxed code";
    return null;
  };
}

// The text between a part's outer braces.
const bodyOf = (part) => {
  const text = part.toString();
  return text.slice(text.indexOf("{") + 1, text.lastIndexOf("}"));
};

// The source of the module every sandbox worker runs: the three parts' bodies,
// in order, as one function that calls itself.
export function sandboxWorkerSource() {
  const body = [sandboxWorker, sandboxWorkerErrors, sandboxWorkerRun].map(bodyOf).join("\n");
  return `(function sandboxWorker() {${body}})();\n`;
}
