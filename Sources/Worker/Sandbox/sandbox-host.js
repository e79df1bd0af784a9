// Junction sandbox host.
//
// Spawned by the Swift worker as
//   deno run --no-prompt --no-remote --no-npm --no-config --no-lock \
//     --v8-flags=--max-old-space-size=<MB> sandbox-host.js
// with every permission denied. It speaks newline-delimited JSON: requests on
// stdin, protocol messages (and nothing else) on stdout, diagnostics on stderr.
//
// Each run executes in a fresh module Web Worker that is never reused. One
// spare worker is kept booted so that isolate creation stays off the hot path.
//
// Host <-> worker traffic goes over a MessageChannel port handed to the worker
// before any user code exists. User code cannot reach that port, and the host
// ignores the worker's global postMessage entirely. Every message that does
// arrive on the port is still validated and re-checked before anything is
// written to stdout: the run id is the host's own binding of the worker, and
// JSON values are parsed before they are spliced into a protocol line.

const DEFAULT_TIMEOUT_MS = 30000;
const DEFAULT_MAX_LOG_BYTES = 16000;
const MAX_TIMER_MS = 2147483647;
const MAX_ERROR_MESSAGE_CHARS = 8000;

// ---------------------------------------------------------------------------
// Worker side. This function is never called in the host: its source text is
// the sandbox worker's module (see SANDBOX_URL). It must not reference
// anything outside its own body.
// ---------------------------------------------------------------------------
function sandboxWorker() {
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
  const encode = encoder.encode.bind(encoder);
  const toBase64 = Uint8Array.prototype.toBase64;
  const inspect = Deno.inspect;
  const mapGet = MapCtor.prototype.get;
  const mapSet = MapCtor.prototype.set;
  const mapDelete = MapCtor.prototype.delete;
  const setHas = SetCtor.prototype.has;
  const strSlice = String.prototype.slice;
  const strSplit = String.prototype.split;
  const strReplace = String.prototype.replace;
  const strIndexOf = String.prototype.indexOf;
  const reExec = RegExp.prototype.exec;
  const reTest = RegExp.prototype.test;
  const arrayJoin = Array.prototype.join;
  const arrayPush = Array.prototype.push;
  const isArray = Array.isArray;

  const slice = (s, a, b) => apply(strSlice, s, [a, b]);
  const split = (s, sep) => apply(strSplit, s, [sep]);
  const replace = (s, re, r) => apply(strReplace, s, [re, r]);
  const indexOf = (s, x, from) => apply(strIndexOf, s, [x, from]);
  const exec = (re, s) => apply(reExec, re, [s]);
  const test = (re, s) => apply(reTest, re, [s]);
  const join = (a, sep) => apply(arrayJoin, a, [sep]);
  const push = (a, v) => apply(arrayPush, a, [v]);

  let send = null; // bound postMessage of the private port
  let run = null; // the one run this worker will ever execute
  // Called by the first statement of the user's module: tells a module that
  // failed to parse (safe to retry in another form) from code that ran and
  // threw. A fixed name keeps module texts, and so Deno's transpile cache
  // entries, identical across workers for identical code.
  const enterHook = "__junction_enter__";

  // ----- lockdown ----------------------------------------------------------
  // A zero-permission worker can still touch the process's stdin/stdout (via
  // Deno.stdin/stdout, the original console, the `process` global, node:
  // built-in modules) and other workers (BroadcastChannel, nested Workers).
  // Remove those paths before any user code runs. Module loading is blocked
  // separately (see guardImports); string-to-code evaluation is disabled here
  // so that `import` cannot be assembled at run time.
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
  // store that outlives the worker; the bootstrap itself uses data: URLs.
  // (Captured before this point: nothing in the bootstrap needs them.)
  lock(G, "postMessage", unavailable("postMessage"));
  lock(URL, "createObjectURL", unavailable("URL.createObjectURL"));
  lock(URL, "revokeObjectURL", unavailable("URL.revokeObjectURL"));

  const evalStub = unavailable("eval");
  lock(G, "eval", evalStub);
  const FunctionStub = unavailable("The Function constructor");
  try {
    FunctionStub.prototype = Function.prototype; // keep `x instanceof Function` working
  } catch { /* ignore */ }
  const fnKinds = [function () {}, async function () {}, function* () {}, async function* () {}];
  for (const f of fnKinds) {
    lock(getPrototypeOf(f), "constructor", FunctionStub);
  }
  lock(G, "Function", FunctionStub);

  // A Deno namespace without stdio, process control or internals. Permission
  // gated APIs stay, so that they fail with NotCapable like they would anyway.
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
  const formatValue = (v) => {
    try {
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

  // ----- errors ------------------------------------------------------------
  const escapeRe = (s) => replace(s, /[.*+?^${}()|[\]\\/]/g, "\\$&");
  // The user's module is the only data: module in the worker (user code
  // cannot load modules). Stack traces abbreviate long data: URLs to
  // "data:...;base64,AAAA......ZZZZ", so match the shape, not the exact URL.
  const MODULE_REF = /data:(?:application\/typescript|text\/javascript);base64,[A-Za-z0-9+\/=.]*/g;
  const MODULE_LOC = /data:(?:application\/typescript|text\/javascript);base64,[A-Za-z0-9+\/=.]*:(\d+):\d+/;
  const findLoc = (text) => {
    const m = exec(MODULE_LOC, text);
    return m ? +m[1] : 0;
  };
  const hasModuleRef = (text) =>
    indexOf(text, "data:application/typescript;base64,", 0) >= 0 ||
    indexOf(text, "data:text/javascript;base64,", 0) >= 0;
  const importDenied = (loc) =>
    loc > 0 && run && run.prepared && run.prepared.moduleLines &&
    test(/imp\\x6frt/, run.prepared.moduleLines[loc - 1] || "");
  const IMPORT_DENIED = "`import` is not available in the sandbox (there is no module loading); " +
    "every operation you can use is already on `codemode`";
  const userLine = (moduleLine) => {
    if (!run || !run.prepared) return null;
    const p = run.prepared;
    let l = moduleLine;
    if (l < 1) l = 1;
    if (l > p.bodyLines) l = p.bodyLines;
    return l + p.lineOffset;
  };
  const describeError = (e) => {
    let name = "Error";
    let message = "";
    let stack = "";
    let rawMessage = "";
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
          rawMessage = message;
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
      // Deno reports transpile errors as TypeError("SyntaxError: ...\n  | frame\n at url:L:C").
      const head = exec(/^(\w*Error): ([^\n]*)/, message);
      if (name === "TypeError" && head && hasModuleRef(message)) {
        name = head[1];
        message = head[2];
        const loc = findLoc(rawMessage);
        if (loc) line = userLine(loc);
        if (importDenied(loc)) {
          name = "SyntaxError";
          message = IMPORT_DENIED;
        }
      } else {
        const inMessage = findLoc(message);
        if (inMessage) { // V8 compile errors carry the location in the message
          line = userLine(inMessage);
          message = replace(
            message,
            /\s*(at\s+)?data:(?:application\/typescript|text\/javascript);base64,[A-Za-z0-9+\/=.]*:\d+:\d+/,
            "",
          );
          if (name === "SyntaxError" && importDenied(inMessage)) message = IMPORT_DENIED;
        } else if (stack) {
          const loc = findLoc(stack);
          if (loc) line = userLine(loc);
        }
      }
      if (hasModuleRef(message)) message = replace(message, MODULE_REF, "<code>");
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
  const distance = (a, b) => {
    const prev = [];
    for (let j = 0; j <= b.length; j++) prev[j] = j;
    for (let i = 1; i <= a.length; i++) {
      let diag = prev[0];
      prev[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = prev[j];
        prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
        diag = tmp;
      }
    }
    return prev[b.length];
  };
  const suggest = (name, list) => {
    if (list.length === 0) return "; no codemode functions are available in this run";
    const lower = name.toLowerCase();
    const scored = [];
    for (const f of list) {
      const fl = f.toLowerCase();
      let d = distance(lower, fl);
      if (fl.includes(lower) || lower.includes(fl)) d = Math.min(d, 1);
      const tail = fl.slice(fl.indexOf("_") + 1);
      if (tail === lower) d = 0;
      push(scored, [d, f]);
    }
    scored.sort((x, y) => x[0] - y[0]);
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
  // The keyword `import` is the only way a module can load another module
  // (node: built-ins can write to the process's stdout and read its stdin),
  // and string-to-code evaluation is disabled, so the keyword is kept out of
  // the source: every standalone `import` becomes `imp\x6frt`, which means the
  // same thing inside a string, template or regular expression and is a syntax
  // error anywhere else. Keywords may not be spelled with escapes, but the
  // TypeScript front end accepts `\u0069mport`, so any spelling of `import`
  // built from escapes or invisible characters is rejected outright.
  const guardImports = (body) => {
    // Plain ASCII without escapes cannot spell `import` any other way, and without the
    // word there is nothing to rewrite: most code models write.
    if (!test(/[^\x20-\x7e\n\t]|\\/, body) && indexOf(body, "import", 0) < 0) return { body };
    const literal = countMatches(body, /import/g);
    const decoded = replace(
      replace(body, /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})/g, (m, a, b) => {
        const cp = parseInt(a || b, 16);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      }),
      /[^\x20-\x7e\n\t]/gu,
      "",
    );
    if (countMatches(decoded, /import/g) > literal) {
      return { error: "`import` is not available in the sandbox, in any spelling" };
    }
    // Left alone, because the keyword cannot occur there: `import` directly
    // after a single member-access dot (not `...`, not a decimal point), and
    // `import:` as an object key.
    return {
      body: replace(
        body,
        /(?<![A-Za-z_$])(?<!(?:^|[^.0-9])\.)import(?![A-Za-z0-9_$])(?![ \t]*:)/g,
        "imp\\x6frt",
      ),
    };
  };
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
    const guarded = guardImports(text);
    if (guarded.error) return { error: guarded.error, lineOffset };
    const body = guarded.body;
    const head = replace(body, /^(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, "");
    const exprFirst = test(
      /^(async\s*(function\b|\(|[A-Za-z_$][\w$]*\s*=>)|function\b|\(|[A-Za-z_$][\w$]*\s*=>)/,
      head,
    );
    // TypeScript that is also valid JavaScript with another meaning: type
    // arguments (`new Map<string, number>(entries)`) and `x! = y`. Such code
    // skips the JavaScript attempt.
    const tsOnly = test(/[\w$\])]\s*<[^;\n]*>\s*\(/, body) || test(/[\w$\])]!\s*=(?!=)/, body);
    return { body, lineOffset, bodyLines: countLines(body), exprFirst, tsOnly };
  };
  const expressionModule = (body) => {
    const expr = replace(body, /[\s;]+$/, "");
    return enterHook + "();export default (" + expr + "\n);\n";
  };
  const statementModule = (body) => {
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
        !test(/^(return|break|continue|debugger|this)\b/, lines[last])
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
    return enterHook + "();export default async function __codemode_main__() {" + b + "\n}\n";
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
  // error naming the closest ones. `then` stays undefined so `await codemode` works.
  const makeOpenCodemode = () => {
    const cache = new MapCtor();
    const target = create(null);
    return new ProxyCtor(target, {
      get(_t, prop) {
        if (typeof prop !== "string" || prop === "then" || !test(validName, prop)) return undefined;
        let fn = apply(mapGet, cache, [prop]);
        if (!fn) {
          fn = makeCall(prop);
          apply(mapSet, cache, [prop, fn]);
        }
        return fn;
      },
      has: (_t, prop) => typeof prop === "string" && prop !== "then" && test(validName, prop),
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
      preventExtensions: () => false,
      ownKeys: () => [],
      getOwnPropertyDescriptor: () => undefined,
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
  // The code is loaded as a data: URL module, which needs no permission.
  // Plain JavaScript is tried first (V8 parses it directly, about 0.1 ms);
  // if it does not parse, the same text is loaded with a TypeScript media
  // type, which Deno transpiles (types stripped, line numbers kept).
  const moduleUrl = (source, ts) =>
    (ts ? "data:application/typescript;base64," : "data:text/javascript;base64,") + apply(toBase64, encode(source), []);
  const loadModule = (source, ts) => {
    run.entered = false;
    return import(moduleUrl(source, ts));
  };
  const isSyntaxFailure = (e) => !run.entered && e !== null && typeof e === "object";
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
      entered: false,
    };
    const codemode = open ? makeOpenCodemode() : makeCodemode(names);
    lock(G, "codemode", codemode);
    const prepared = prepare(typeof msg.code === "string" ? msg.code : "");
    if (prepared.error) {
      finish(false, { name: "SyntaxError", message: prepared.error, line: null });
      return;
    }
    const forms = prepared.exprFirst ? ["expr", "stmt"] : ["stmt", "expr"];
    let mod = null;
    let reported = null; // the TypeScript error of the preferred form
    run.prepared = prepared;
    attempts: for (const form of forms) {
      const source = form === "expr" ? expressionModule(prepared.body) : statementModule(prepared.body);
      const moduleLines = split(source, "\n");
      prepared.moduleLines = moduleLines;
      for (const ts of prepared.tsOnly ? [true] : [false, true]) {
        try {
          mod = await loadModule(source, ts);
          break attempts;
        } catch (e) {
          if (!isSyntaxFailure(e)) throw e; // the code ran and threw: never run it twice
          if (ts && reported === null) reported = { e, moduleLines };
        }
      }
    }
    if (!mod) {
      prepared.moduleLines = reported.moduleLines;
      throw reported.e;
    }
    let value = mod.default;
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

  defineProperty(G, enterHook, {
    value: () => {
      if (run) run.entered = true;
    },
    enumerable: false,
  });
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

  // Compile the regular expressions and exercise the TypeScript module path
  // once, so that the first real run does not pay for it.
  const warmUp = async () => {
    try {
      for (const sample of ["```ts\nasync () => 1\n```", "const x: number = 1;\nreturn x;"]) {
        const p = prepare(sample);
        const source = p.exprFirst ? expressionModule(p.body) : statementModule(p.body);
        for (const ts of [false, true]) {
          const m = await import(moduleUrl(source, ts));
          await m.default();
        }
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
    await warmUp();
    port.onmessage = (ev) => {
      const m = ev.data;
      if (m === null || typeof m !== "object") return;
      if (m.t === "run") {
        if (run) return; // one run per worker, ever
        execute(m).catch(fail);
      } else if (m.t === "result") {
        deliver(m);
      }
    };
    send({ t: "booted" });
  };
  G.addEventListener("message", onFirstMessage);
}

// ---------------------------------------------------------------------------
// Host side.
// ---------------------------------------------------------------------------
const moduleBlobUrl = (fn) => URL.createObjectURL(new Blob([`(${fn.toString()})();\n`], { type: "text/javascript" }));
const SANDBOX_URL = moduleBlobUrl(sandboxWorker);

const encoder = new TextEncoder();
const validName = /^[A-Za-z_$][\w$]{0,127}$/; // a callable name in open-catalog runs
const runs = new Map(); // runId -> run
let spare = null;
let readySent = false;
let spareFailures = 0;
let shuttingDown = false;

function diag(...args) {
  console.error("[sandbox-host]", ...args);
}

// ----- stdout ----------------------------------------------------------------
// Synchronous writes: a line is on its way to Swift when emitLine returns, and
// lines from different runs can never interleave.
function emitLine(line) {
  let buf = encoder.encode(line + "\n");
  try {
    while (buf.length) {
      const n = Deno.stdout.writeSync(buf);
      buf = buf.subarray(n);
    }
  } catch (e) {
    diag("stdout write failed, exiting:", e?.message ?? e);
    Deno.exit(1);
  }
}
function emit(obj) {
  emitLine(JSON.stringify(obj));
}

// Parses a JSON text produced by the worker and returns it if it is safe to
// splice into a protocol line (exactly one JSON value, no line breaks).
function checkedJson(s) {
  if (typeof s !== "string") return null;
  let value;
  try {
    value = JSON.parse(s);
  } catch {
    return null;
  }
  return /[\r\n]/.test(s) ? JSON.stringify(value) : s;
}

// ----- workers ---------------------------------------------------------------
// `new Worker()` blocks the calling thread while the new isolate is created
// (about 10 ms on these machines; a worker created by another worker starts
// about a second late in this Deno, so that is no way out). The replacement
// spare is therefore not created the moment a run takes the spare, which
// would stall that run's messages, but right after a run's `done` has been
// written, or SPARE_DELAY_MS after a run started if it is still going (it is
// then most likely waiting on upstream calls).
const SPARE_DELAY_MS = 25;
const slots = new Map(); // sid -> slot (every live sandbox worker)
let nextSid = 1;
let replenishTimer = null;
let replenishAt = Infinity;

// A slot is the host's handle on one sandbox worker. The port is usable at
// once: messages posted before the worker has booted are queued.
function createSlot() {
  const sid = nextSid++;
  const worker = new Worker(SANDBOX_URL, { type: "module", name: "junction-sandbox" });
  const channel = new MessageChannel();
  const slot = { sid, worker, port: channel.port1, booted: false, run: null, dead: false };
  channel.port1.onmessage = (e) => onWorkerMessage(slot, e.data);
  channel.port1.onmessageerror = () => {};
  worker.onerror = (e) => {
    e.preventDefault();
    onWorkerError(slot, typeof e.message === "string" ? e.message : "the sandbox worker failed");
  };
  worker.onmessageerror = () => {};
  worker.postMessage(channel.port2, [channel.port2]);
  slots.set(sid, slot);
  return slot;
}

function scheduleReplenish(ms) {
  if (spare || shuttingDown) return;
  const at = performance.now() + ms;
  if (replenishTimer !== null) {
    if (at >= replenishAt) return;
    clearTimeout(replenishTimer);
  }
  replenishAt = at;
  replenishTimer = setTimeout(() => {
    replenishTimer = null;
    replenishAt = Infinity;
    replenishSpare();
  }, ms);
}

function replenishSpare() {
  if (spare || shuttingDown) return;
  try {
    spare = createSlot();
  } catch (e) {
    diag("could not create a worker:", e?.message ?? e);
    spareFailures++;
    scheduleReplenish(Math.min(1000, 10 * 2 ** spareFailures));
  }
}

function disposeSlot(slot) {
  if (slot.dead) return;
  slot.dead = true;
  slots.delete(slot.sid);
  try {
    slot.port.close();
  } catch { /* ignore */ }
  try {
    slot.worker.terminate();
  } catch { /* ignore */ }
}

function onWorkerMessage(slot, msg) {
  if (msg === null || typeof msg !== "object" || slot.dead) return;
  if (msg.t === "booted") {
    if (slot.booted) return;
    slot.booted = true;
    spareFailures = 0;
    if (!readySent) {
      readySent = true;
      emit({ type: "ready" });
    }
    return;
  }
  const run = slot.run;
  if (!run || run.finished) return;
  switch (msg.t) {
    case "call": {
      const { callId, name } = msg;
      if (!Number.isSafeInteger(callId) || callId < 0 || run.callIds.has(callId)) return;
      if (typeof name !== "string") return;
      if (run.functions ? !run.functions.has(name) : !validName.test(name)) return;
      const args = checkedJson(msg.args);
      if (args === null) return;
      run.callIds.add(callId);
      run.openCalls.add(callId);
      emitLine(
        `{"type":"call","id":${JSON.stringify(run.id)},"callId":${callId},"name":${
          JSON.stringify(name)
        },"args":${args}}`,
      );
      return;
    }
    case "log":
      if (typeof msg.s === "string") addLog(run, msg.s);
      return;
    case "drop":
      if (Number.isSafeInteger(msg.n) && msg.n > run.workerDropped) run.workerDropped = msg.n;
      return;
    case "done": {
      if (Number.isSafeInteger(msg.dropped) && msg.dropped > run.workerDropped) run.workerDropped = msg.dropped;
      run.droppedExact = true;
      if (msg.ok === true) {
        const result = checkedJson(msg.result);
        if (result === null) {
          finish(run, {
            ok: false,
            error: { name: "SerializationError", message: "the return value is not valid JSON", line: null },
          });
        } else {
          finish(run, { ok: true, result });
        }
      } else {
        finish(run, { ok: false, error: cleanError(msg.error) });
      }
      return;
    }
  }
}

function onWorkerError(slot, text) {
  const run = slot.run;
  if (run && !run.finished) {
    const m = /^(?:Uncaught )?(?:\(in promise\) )?(\w*Error|\w+): ([\s\S]*)$/.exec(text);
    finish(run, {
      ok: false,
      error: { name: m ? m[1] : "Error", message: m ? m[2] : text, line: null },
    });
    return;
  }
  diag("worker error outside a run:", text);
  disposeSlot(slot);
  if (slot === spare) {
    spare = null;
    spareFailures++;
    scheduleReplenish(Math.min(1000, 10 * 2 ** spareFailures));
  }
}

function cleanError(err) {
  const e = err !== null && typeof err === "object" ? err : {};
  let message = typeof e.message === "string" ? e.message : String(e.message ?? "");
  if (message.length > MAX_ERROR_MESSAGE_CHARS) message = message.slice(0, MAX_ERROR_MESSAGE_CHARS) + "…";
  const name = typeof e.name === "string" && e.name ? e.name.slice(0, 200) : "Error";
  const line = Number.isSafeInteger(e.line) && e.line > 0 ? e.line : null;
  return { name, message, line };
}

// ----- logs --------------------------------------------------------------------
function utf8Length(s) {
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
}

function addLog(run, line) {
  const bytes = utf8Length(line) + 1;
  if (run.logBytes + bytes <= run.maxLogBytes) {
    run.logs.push(line);
    run.logBytes += bytes;
  } else {
    run.hostDropped += bytes;
    run.logBytes = run.maxLogBytes;
  }
}

function finalLogs(run) {
  const dropped = run.workerDropped + run.hostDropped;
  if (dropped > 0) {
    run.logs.push(
      run.droppedExact ? `… ${dropped} more log bytes dropped` : `… at least ${dropped} more log bytes dropped`,
    );
  }
  return run.logs;
}

// ----- runs --------------------------------------------------------------------
function finish(run, outcome) {
  if (run.finished) return;
  run.finished = true;
  clearTimeout(run.timer);
  runs.delete(run.id);
  const id = JSON.stringify(run.id);
  const logs = JSON.stringify(finalLogs(run));
  if (outcome.ok) {
    emitLine(`{"type":"done","id":${id},"ok":true,"result":${outcome.result},"logs":${logs}}`);
  } else {
    emitLine(
      `{"type":"done","id":${id},"ok":false,"error":${JSON.stringify(outcome.error)},"logs":${logs},"timedOut":${
        outcome.timedOut === true
      }}`,
    );
  }
  // After the answer is on its way: terminating a worker sometimes takes a millisecond.
  if (run.slot) disposeSlot(run.slot);
  scheduleReplenish(0);
}

function startRun(msg) {
  const id = msg.id;
  if (typeof id !== "string") {
    diag("run without a string id dropped");
    return;
  }
  if (runs.has(id)) {
    diag("duplicate run id dropped:", id);
    return;
  }
  let timeoutMs = Number(msg.timeoutMs);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) timeoutMs = DEFAULT_TIMEOUT_MS;
  timeoutMs = Math.min(Math.ceil(timeoutMs), MAX_TIMER_MS);
  let maxLogBytes = Number(msg.maxLogBytes);
  if (!Number.isFinite(maxLogBytes) || maxLogBytes < 0) maxLogBytes = DEFAULT_MAX_LOG_BYTES;
  maxLogBytes = Math.floor(maxLogBytes);
  // "*": any identifier may be called; the Swift side checks it against the user's catalog.
  const openFunctions = msg.functions === "*";
  const functions = Array.isArray(msg.functions) ? msg.functions.filter((f) => typeof f === "string") : [];

  const run = {
    id,
    slot: null,
    functions: openFunctions ? null : new Set(functions),
    callIds: new Set(),
    openCalls: new Set(),
    logs: [],
    logBytes: 0,
    maxLogBytes,
    hostDropped: 0,
    workerDropped: 0,
    droppedExact: false,
    finished: false,
    timer: 0,
  };
  runs.set(id, run);
  if (typeof msg.code !== "string") {
    finish(run, { ok: false, error: { name: "TypeError", message: "code must be a string", line: null } });
    return;
  }
  try {
    let slot = spare;
    spare = null;
    if (!slot) slot = createSlot(); // no spare yet: pay for the isolate now
    run.slot = slot;
    slot.run = run;
    run.timer = setTimeout(() => {
      finish(run, {
        ok: false,
        timedOut: true,
        error: {
          name: "TimeoutError",
          message: `execution exceeded the wall-time limit of ${timeoutMs} ms`,
          line: null,
        },
      });
    }, timeoutMs);
    slot.port.postMessage({ t: "run", code: msg.code, functions: openFunctions ? "*" : functions, maxLogBytes });
  } catch (e) {
    finish(run, {
      ok: false,
      error: { name: "Error", message: "could not start a sandbox: " + (e?.message ?? e), line: null },
    });
    return;
  }
  scheduleReplenish(SPARE_DELAY_MS);
}

function deliverResult(msg) {
  const run = runs.get(msg.id);
  if (!run || run.finished) return;
  const callId = msg.callId;
  if (!run.openCalls.has(callId)) return;
  run.openCalls.delete(callId);
  if (msg.ok === true) {
    run.slot.port.postMessage({ t: "result", callId, ok: true, value: msg.value === undefined ? null : msg.value });
  } else {
    const error = msg.error !== null && typeof msg.error === "object" && !Array.isArray(msg.error)
      ? msg.error
      : { message: String(msg.error ?? "call failed") };
    run.slot.port.postMessage({ t: "result", callId, ok: false, error });
  }
}

function cancelRun(msg) {
  const run = runs.get(msg.id);
  if (!run) return;
  finish(run, { ok: false, error: { name: "Cancelled", message: "execution was cancelled", line: null } });
}

function handleLine(line) {
  if (line.length === 0 || /^\s*$/.test(line)) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    diag("ignoring a line that is not JSON");
    return;
  }
  if (msg === null || typeof msg !== "object") return;
  switch (msg.type) {
    case "run":
      startRun(msg);
      break;
    case "result":
      deliverResult(msg);
      break;
    case "cancel":
      cancelRun(msg);
      break;
    case "ping":
      emitLine(`{"type":"pong","id":${JSON.stringify(msg.id ?? null)}}`);
      break;
    default:
      diag("ignoring message of type", JSON.stringify(msg.type));
  }
}

async function readStdin() {
  // Deno.stdin.read, not the ReadableStream: one op per chunk, no stream machinery
  // between a line's arrival and its run starting.
  const decoder = new TextDecoder();
  const buf = new Uint8Array(65536);
  let pending = "";
  for (;;) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    let chunk = decoder.decode(buf.subarray(0, n), { stream: true });
    let nl = chunk.indexOf("\n");
    while (nl >= 0) {
      let line = pending + chunk.slice(0, nl);
      pending = "";
      if (line.endsWith("\r")) line = line.slice(0, -1);
      try {
        handleLine(line);
      } catch (e) {
        diag("error handling a message:", e?.stack ?? e);
      }
      chunk = chunk.slice(nl + 1);
      nl = chunk.indexOf("\n");
    }
    pending += chunk;
  }
  pending += decoder.decode();
  if (pending.trim()) handleLine(pending);
}

async function main() {
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    diag("unhandled rejection in host:", e.reason?.stack ?? e.reason);
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    diag("uncaught error in host:", e.error?.stack ?? e.message);
  });
  replenishSpare();
  try {
    await readStdin();
  } catch (e) {
    diag("stdin failed:", e?.message ?? e);
  }
  // Swift closed our stdin: stop everything and leave.
  shuttingDown = true;
  for (const slot of [...slots.values()]) disposeSlot(slot);
  Deno.exit(0);
}

main();
