// Junction sandbox worker bootstrap.
//
// `sandboxWorker` is never called where it is defined: sandbox-host.js makes its
// source text the module of every sandbox Web Worker (each created with no
// permissions at all, used for one run and terminated). It must not reference
// anything outside its own body. It runs before any user code exists: it
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

  // ----- errors ------------------------------------------------------------
  const SCRIPT_LOC = /junction:code:(\d+):\d+/;
  const findLoc = (text) => {
    const m = exec(SCRIPT_LOC, text);
    return m ? +m[1] : 0;
  };
  const IMPORT_DENIED = "modules cannot be loaded in the sandbox (no import, import() or export); " +
    "every operation you can use is already on `codemode`";
  const moduleSyntax = /Cannot use import statement|Cannot use 'import\.meta'|Unexpected token 'export'|import declarations may only appear/;
  const userLine = (scriptLine) => {
    if (!run || !run.prepared) return null;
    const p = run.prepared;
    let l = scriptLine;
    if (l < 1) l = 1;
    if (l > p.bodyLines) l = p.bodyLines;
    return l + p.lineOffset;
  };
  const describeError = (e) => {
    let name = "Error";
    let message = "";
    let stack = "";
    const read = (obj, key) => {
      try {
        return obj[key];
      } catch {
        return undefined;
      }
    };
    try {
      if (e !== null && (typeof e === "object" || typeof e === "function")) {
        const n = read(e, "name");
        const m = read(e, "message");
        let isError = false;
        try {
          isError = e instanceof ErrorCtor;
        } catch { /* a hostile Proxy */ }
        if (typeof m === "string" || isError) {
          name = typeof n === "string" && n ? n : "Error";
          message = typeof m === "string" ? m : "[the error's message could not be read]";
          const s = read(e, "stack");
          stack = typeof s === "string" ? s : "";
        } else {
          message = formatValue(e);
        }
      } else {
        message = formatValue(e);
      }
    } catch {
      message = "[an unprintable value was thrown]";
    }
    let line = null;
    try {
      const loc = findLoc(stack);
      if (loc) line = userLine(loc);
      if (message === "A dynamic import callback was not specified.") message = IMPORT_DENIED;
      if (indexOf(message, SCRIPT_URL, 0) >= 0) message = replace(message, /junction:code(:\d+:\d+)?/g, "<code>");
      if (name === "NotCapable") {
        message = replace(message, /, run again with the --allow-[\w-]+ flag/, "") +
          " (the sandbox has no network, file, environment or process access; use the codemode functions)";
      }
      if (name === "TypeError" && run && run.functionList) {
        const m = exec(/codemode\.([\w$]+) is not a function/, message);
        if (m && !apply(setHas, run.functionSet, [m[1]])) message += suggest(m[1], run.functionList);
      }
    } catch { /* keep what we have */ }
    if (message.length > 8000) message = slice(message, 0, 8000) + "…";
    return { name, message, line };
  };
  // The error of code that compiled in no form. V8's message is the most
  // precise one, except where type stripping found the problem first.
  const describeCompileFailure = (attempt) => {
    const p = run.prepared;
    let name = "SyntaxError";
    let message;
    let line = null;
    if (attempt.tsSource !== null && attempt.tsError !== null) {
      message = describeError(attempt.tsError).message;
      line = userLine(syntaxErrorLine(attempt.tsSource, message));
    } else if (attempt.stripError !== null && !test(/\[InvalidSyntax\]/, attempt.stripError)) {
      message = attempt.stripError;
      const at = exec(/\s*at file:\/\/\/stripTypeScriptTypes\.ts:(\d+):\d+/, message);
      if (at) {
        line = userLine(+at[1]);
        message = replace(message, at[0], "");
      }
    } else {
      const js = attempt.jsError !== null ? describeError(attempt.jsError) : null;
      message = js ? js.message : compileMessage(attempt.jsSource) || "the code does not parse";
      if (js && js.name) name = js.name;
      line = userLine(syntaxErrorLine(attempt.jsSource, message));
    }
    if (test(moduleSyntax, message) || (p.mentionsModules && test(/Unexpected (token|identifier|string)/, message))) {
      message = IMPORT_DENIED;
    }
    return { name, message, line };
  };
  const distance = (a, b) => {
    const prev = [];
    for (let j = 0; j <= b.length; j++) prev[j] = j;
    for (let i = 1; i <= a.length; i++) {
      let diag = prev[0];
      prev[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = prev[j];
        prev[j] = mathMin(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
        diag = tmp;
      }
    }
    return prev[b.length];
  };
  const suggest = (name, list) => {
    if (list.length === 0) return "; no codemode functions are available in this run";
    const wanted = lower(name);
    const scored = [];
    for (const f of list) {
      const fl = lower(f);
      let d = distance(wanted, fl);
      if (indexOf(fl, wanted, 0) >= 0 || indexOf(wanted, fl, 0) >= 0) d = mathMin(d, 1);
      const tail = slice(fl, indexOf(fl, "_", 0) + 1);
      if (tail === wanted) d = 0;
      push(scored, [d, f]);
    }
    apply(arraySort, scored, [(x, y) => x[0] - y[0]]);
    const names = [];
    for (let i = 0; i < scored.length && i < 5; i++) push(names, "codemode." + scored[i][1]);
    return "; closest available: " + join(names, ", ");
  };

  // ----- result serialisation -------------------------------------------------
  class SerializationError extends ErrorCtor {
    constructor(message) {
      super(message);
      this.name = "SerializationError";
    }
  }
  const kindOf = (v) =>
    typeof v === "function"
      ? "a function"
      : typeof v === "symbol"
      ? "a Symbol"
      : typeof v === "bigint"
      ? "a BigInt"
      : v instanceof MapCtor
      ? "a Map (convert it with Object.fromEntries)"
      : v instanceof SetCtor
      ? "a Set (convert it with Array.from)"
      : null;
  const toJson = (value, what) => {
    if (value === undefined) return "null";
    // Primitives need no replacer walk (a cold one costs a fresh isolate ~0.1 ms).
    const type = typeof value;
    if (value === null || type === "number" || type === "string" || type === "boolean") return stringify(value);
    const top = kindOf(value);
    if (top) throw new SerializationError(what + " is not JSON-serialisable: it is " + top);
    let s;
    try {
      s = stringify(value, function (key, v) {
        if (
          v !== null &&
          (typeof v === "object" || typeof v === "function" || typeof v === "symbol" || typeof v === "bigint")
        ) {
          const k = kindOf(v);
          if (k) {
            throw new SerializationError(
              what + " is not JSON-serialisable: the value at key " + stringify(String(key)) + " is " + k,
            );
          }
        }
        return v;
      });
    } catch (e) {
      if (e instanceof SerializationError) throw e;
      throw new SerializationError(what + " is not JSON-serialisable: " + (e && e.message ? e.message : String(e)));
    }
    return s === undefined ? "null" : s;
  };

  // ----- code preparation ---------------------------------------------------
  const countLines = (s) => {
    let n = 1;
    for (let i = indexOf(s, "\n", 0); i >= 0; i = indexOf(s, "\n", i + 1)) n++;
    return n;
  };
  const blank = (s) => replace(s, /[^\n]/g, " ");
  const countMatches = (s, re) => {
    let n = 0;
    re.lastIndex = 0;
    while (exec(re, s)) n++;
    return n;
  };
  const escapeRe = (s) => replace(s, /[.*+?^${}()|[\]\\/]/g, "\\$&");
  const prepare = (code) => {
    let text = replace(replace(String(code), /^\uFEFF/, ""), /\r\n?/g, "\n");
    let lineOffset = 0;
    // Markdown fences: ```js / ```ts / ```typescript / ```javascript / ```
    const open = exec(/^\s*```[^\n]*\n/, text);
    if (open) {
      lineOffset = countLines(open[0]) - 1;
      const lines = split(slice(text, open[0].length), "\n");
      let close = lines.length - 1;
      while (close >= 0 && !test(/^[ \t]*```[ \t]*$/, lines[close])) close--;
      if (close >= 0) lines.length = close; // drop the closing fence and anything after it
      text = join(lines, "\n");
    }
    // `export default <expr>` / `export async function main` -> the bare form.
    text = replace(text, /^(\s*)export\s+default\s+/, (m) => blank(m));
    text = replace(text, /^(\s*)export\s+(?=(async\s+)?function\b)/, (m) => blank(m));
    const body = text;
    const head = replace(body, /^(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, "");
    const exprFirst = test(
      /^(async\s*(function\b|\(|[A-Za-z_$][\w$]*\s*=>)|function\b|\(|[A-Za-z_$][\w$]*\s*=>)/,
      head,
    );
    // TypeScript that is also valid JavaScript with another meaning: type
    // arguments (`new Map<string, number>(entries)`) and `x! = y`. Such code
    // skips the JavaScript attempt.
    const tsOnly = test(/[\w$\])]\s*<[^;\n]*>\s*\(/, body) || test(/[\w$\])]!\s*=(?!=)/, body);
    // Only for a clearer error message: the runtime refuses module loading whatever the text says.
    const mentionsModules = test(/(^|[;{}\n])\s*(import|export)\b/, body);
    return { body, lineOffset, bodyLines: countLines(body), exprFirst, tsOnly, mentionsModules };
  };
  const expressionScript = (body) => PREFIX + "(" + replace(body, /[\s;]+$/, "") + "\n)";
  const statementScript = (body) => {
    let b = body;
    const lines = split(b, "\n");
    let last = lines.length - 1;
    while (last >= 0 && test(/^\s*$/, lines[last])) last--;
    if (last >= 0) {
      let prev = last - 1;
      while (prev >= 0 && test(/^\s*$/, lines[prev])) prev--;
      const prevOk = prev < 0 || test(/[;}]\s*$/, lines[prev]);
      // A final top-level call or value (`main();`, `await run()`, `result`) is
      // what the author expects back.
      if (
        prevOk &&
        test(/^(await\s+)?[A-Za-z_$][\w$]*(\??\.[A-Za-z_$][\w$]*|\[[^\]\n]*\])*\s*(\(.*\))?\s*;?\s*$/, lines[last]) &&
        !test(/^(return|break|continue|debugger|this)\b/, lines[last]) &&
        !test(/;\s*\S/, lines[last]) // one statement, not `f(); return g()`
      ) {
        lines[last] = "return " + lines[last];
        b = join(lines, "\n");
      } else if (test(/^\}\s*;?\s*$/, lines[last])) {
        // Helpers plus a `main` that is declared but never called: call the last such function.
        const decl = /^(?:async[ \t]+)?function[ \t]*\*?[ \t]*([A-Za-z_$][\w$]*)[ \t]*[(<]/gm;
        let m;
        let name = null;
        while ((m = exec(decl, b))) name = m[1];
        if (name && countMatches(b, new RegExp("(?<![\\w$])" + escapeRe(name) + "(?![\\w$])", "g")) === 1) {
          b += "\n;return await " + name + "(globalThis.codemode);";
        }
      }
    }
    return PREFIX + "(async function __codemode_main__() {" + b + "\n})";
  };

  // ----- run ----------------------------------------------------------------
  const finish = (ok, payload) => {
    if (!run || run.finished) return;
    run.finished = true;
    if (ok) send({ t: "done", ok: true, result: payload, dropped: droppedBytes });
    else send({ t: "done", ok: false, error: payload, dropped: droppedBytes });
  };
  const fail = (e) => finish(false, describeError(e));

  let nextCallId = 1;
  const makeCall = (name) =>
    ({
      // async so that a synchronous failure (bad arguments) is a rejection
      // deno-lint-ignore require-await
      async [name](args) {
        const site = new ErrorCtor(); // call site, for the line number if the call fails
        let json;
        try {
          json = toJson(args, "the argument of codemode." + name);
        } catch (e) {
          throw new TypeErrorCtor(e.message);
        }
        const callId = nextCallId++;
        return new PromiseCtor((resolve, reject) => {
          apply(mapSet, run.pending, [callId, { resolve, reject, site, name }]);
          send({ t: "call", callId, name, args: json });
        });
      },
    })[name];
  const makeCodemode = (names) => {
    const target = create(null);
    for (const name of names) defineProperty(target, name, { value: makeCall(name), enumerable: true });
    return freeze(target);
  };
  // A large catalog is not shipped into every isolate: any identifier is a function,
  // and the host (which knows the user's catalog) answers unknown names with an
  // error naming the closest ones. Names that JavaScript itself probes (`then`, so
  // that `await codemode` works; `toJSON`, `toString`, …) stay undefined: call names
  // always have a source prefix. What it lists of itself (Object.keys, for…in) comes
  // from `listing`: the user's call names when there are few enough to read, else the
  // search helpers (which work in this run too), and console.log(codemode) says which;
  // never a silent empty list.
  const SEARCH_HELPERS = ["catalog", "describe", "sources", "spec"];
  const implicitNames = new SetCtor([
    "then",
    "toJSON",
    "toString",
    "toLocaleString",
    "valueOf",
    "constructor",
    "inspect",
    "__proto__",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
  ]);
  const FIND_HINT = 'find them with await codemode.catalog("what you want to do"), then ' +
    'await codemode.describe("name") for one\'s parameters';
  const makeOpenCodemode = (listing) => {
    const cache = new MapCtor();
    const target = create(null);
    const listable = listing && isArray(listing.names) && listing.names.length === listing.total;
    const keys = listable ? listing.names : SEARCH_HELPERS;
    const listed = new SetCtor(keys);
    describeCodemode = () => {
      if (!listable) {
        return listing
          ? "codemode: " + listing.total + " functions, too many to list; " + FIND_HINT
          : "codemode: the functions of your enabled sources; " + FIND_HINT;
      }
      if (keys.length === 0) return "codemode: no functions (no source is enabled)";
      return "codemode: " + keys.length + " functions: " + join(keys, ", ") +
        ' (await codemode.describe("name") gives one\'s parameters; await codemode.catalog("…") searches them)';
    };
    const callable = (prop) => typeof prop === "string" && test(validName, prop) && !apply(setHas, implicitNames, [prop]);
    const fn = (prop) => {
      let f = apply(mapGet, cache, [prop]);
      if (!f) {
        f = makeCall(prop);
        apply(mapSet, cache, [prop, f]);
      }
      return f;
    };
    return new ProxyCtor(target, {
      get: (_t, prop) => (callable(prop) ? fn(prop) : undefined),
      has: (_t, prop) => callable(prop),
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
      preventExtensions: () => false,
      ownKeys: () => apply(arraySlice, keys, [0]),
      getOwnPropertyDescriptor: (_t, prop) =>
        typeof prop === "string" && apply(setHas, listed, [prop])
          ? { value: fn(prop), writable: false, enumerable: true, configurable: true }
          : undefined,
    });
  };
  const deliver = (m) => {
    if (!run || run.finished) return;
    const p = apply(mapGet, run.pending, [m.callId]);
    if (!p) return;
    apply(mapDelete, run.pending, [m.callId]);
    if (m.ok) {
      p.resolve(m.value);
      return;
    }
    const info = m.error !== null && typeof m.error === "object" ? m.error : {};
    const err = new ErrorCtor(typeof info.message === "string" ? info.message : "codemode." + p.name + " failed");
    if (typeof info.name === "string" && info.name) err.name = info.name;
    for (const k of ownKeys(info)) {
      if (typeof k === "string" && k !== "name" && k !== "message" && k !== "stack") {
        try {
          err[k] = info[k];
        } catch { /* ignore */ }
      }
    }
    try {
      const s = p.site.stack;
      const nl = typeof s === "string" ? indexOf(s, "\n", 0) : -1;
      err.stack = err.name + ": " + err.message + (nl >= 0 ? slice(s, nl) : "");
    } catch { /* ignore */ }
    p.reject(err);
  };
  // TypeScript: the host strips the types (node:module's stripTypeScriptTypes
  // is too costly to load into every isolate). Asked at most once per run, for
  // every form at once, and only when the code did not compile as JavaScript.
  let stripWaiter = null;
  const stripTypes = (sources) =>
    new PromiseCtor((resolve) => {
      stripWaiter = resolve;
      send({ t: "strip", sources });
    });
  const receiveStripped = (m) => {
    const w = stripWaiter;
    stripWaiter = null;
    if (w) w(isArray(m.results) ? m.results : []);
  };
  // Plain JavaScript is tried first; the same code with its types stripped if
  // it does not compile. Forms in order of preference, each as JS then as TS.
  const compileUserCode = async (prepared) => {
    const forms = prepared.exprFirst ? [expressionScript, statementScript] : [statementScript, expressionScript];
    const sources = [forms[0](prepared.body), forms[1](prepared.body)];
    const attempt = { jsSource: sources[0], jsError: null, tsSource: null, tsError: null, stripError: null };
    let stripped = null;
    for (let i = 0; i < 2; i++) {
      if (!prepared.tsOnly) {
        const c = compile(sources[i]);
        if (c.ok || c.ran) return c;
        if (i === 0) attempt.jsError = c.error;
      }
      if (stripped === null) stripped = await stripTypes(sources);
      const s = stripped[i];
      if (s && typeof s.code === "string") {
        const c = compile(s.code);
        if (c.ok || c.ran) return c;
        if (i === 0) {
          attempt.tsSource = s.code;
          attempt.tsError = c.error;
        }
      } else if (i === 0) {
        attempt.stripError = s && typeof s.error === "string" ? s.error : "the TypeScript could not be read";
      }
    }
    return { ok: false, ran: false, attempt };
  };
  const execute = async (msg) => {
    const open = msg.functions === "*";
    const names = isArray(msg.functions) ? msg.functions.filter((n) => typeof n === "string") : [];
    run = {
      finished: false,
      pending: new MapCtor(),
      maxLogBytes: typeof msg.maxLogBytes === "number" && msg.maxLogBytes >= 0 ? msg.maxLogBytes : 16000,
      functionList: names,
      functionSet: new SetCtor(names),
      prepared: null,
      codemode: null,
    };
    const codemode = open ? makeOpenCodemode(msg.listing) : makeCodemode(names);
    if (!open) describeCodemode = () => "codemode: " + join(names, ", ");
    run.codemode = codemode;
    lock(G, "codemode", codemode);
    const prepared = prepare(typeof msg.code === "string" ? msg.code : "");
    run.prepared = prepared;
    const c = await compileUserCode(prepared);
    if (!c.ok) {
      if (c.ran) throw c.error; // the code ran and threw: never run it twice
      finish(false, describeCompileFailure(c.attempt));
      return;
    }
    let value = c.value;
    if (typeof value === "function") value = value(codemode);
    value = await value;
    let json;
    try {
      json = toJson(value, "the return value");
    } catch (e) {
      finish(false, { name: e.name || "SerializationError", message: e.message, line: null });
      return;
    }
    finish(true, json);
  };

  // Uncaught errors and unhandled rejections end the run (as they would end a
  // Deno program) and are never allowed to propagate to the host.
  G.addEventListener("error", (e) => {
    e.preventDefault();
    if (run && !run.finished) fail(e.error !== undefined ? e.error : new ErrorCtor(e.message));
  });
  G.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    if (run && !run.finished) fail(e.reason);
  });
  const closeStub = () => {
    if (run && !run.finished) finish(false, { name: "Error", message: "close() ended the run", line: null });
  };
  lock(G, "close", closeStub);

  // Exercise the compile and error paths once, so that the first real run does not pay for it.
  const warmUp = () => {
    try {
      for (const sample of ["async () => 1", "const x = 1;\nreturn x;"]) {
        const p = prepare(sample);
        const c = compile(p.exprFirst ? expressionScript(p.body) : statementScript(p.body));
        if (c.ok && typeof c.value === "function") c.value();
      }
      describeError(new ErrorCtor("warm-up"));
      toJson({ a: [1, "x", null] }, "warm-up");
    } catch { /* only an optimisation */ }
  };
  const onFirstMessage = async (e) => {
    const port = e.data;
    if (!port || typeof port !== "object" || send) return;
    G.removeEventListener("message", onFirstMessage);
    send = port.postMessage.bind(port);
    const problem = await selfCheck();
    if (problem !== null) {
      send({ t: "unsafe", why: problem });
      return;
    }
    warmUp();
    port.onmessage = (ev) => {
      const m = ev.data;
      if (m === null || typeof m !== "object") return;
      if (m.t === "run") {
        if (run) return; // one run per worker, ever
        execute(m).catch(fail);
      } else if (m.t === "result") {
        deliver(m);
      } else if (m.t === "stripped") {
        receiveStripped(m);
      }
    };
    send({ t: "booted" });
  };
  G.addEventListener("message", onFirstMessage);
}
