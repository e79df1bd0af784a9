// Junction sandbox worker bootstrap, part 2 of 3: error descriptions, result
// serialisation and code preparation. A fragment of the one function body that
// sandboxWorkerSource() (sandbox-worker.js) assembles: it uses what part 1 declared
// and is never called where it is defined.
export function sandboxWorkerErrors() {
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
}
