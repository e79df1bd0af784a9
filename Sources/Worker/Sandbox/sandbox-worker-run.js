// Junction sandbox worker bootstrap, part 3 of 3: the run, codemode, the private
// port protocol with the host, and boot. A fragment of the one function body that
// sandboxWorkerSource() (sandbox-worker.js) assembles: it uses what parts 1 and 2
// declared and is never called where it is defined.
export function sandboxWorkerRun() {
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
