// Junction sandbox host.
//
// Spawned by the Swift worker (SandboxProcess) as
//   deno run --no-prompt --no-remote --no-npm --no-config --no-lock --unstable-worker-options \
//     --allow-read=/dev/fd/3 --v8-flags=--max-old-space-size=<MB>,--disallow-code-generation-from-strings \
//     sandbox-host.js
// with no other permission, stdin from /dev/null.
//
// Channel. Requests arrive as JSON lines on fd 3, a pipe only the Swift
// worker writes; the first line is a random key for this process. Protocol
// frames go out on stdout, each line `<mac> <seq> <json>` where mac is
// base64url(HMAC-SHA256(key, "<seq> <json>")) and seq grows by one per frame.
// The Swift side drops (and counts) any line that fails the check, so nothing
// but this main thread can write a frame: the key is read here and never sent
// into a worker, and the workers cannot open fd 3 (that needs the read
// permission, and every worker is created with `permissions: "none"`).
// stderr carries diagnostics only.
//
// Each run executes in a fresh Web Worker that is never reused (see
// sandbox-worker.js, which assembles the worker's source from its three parts). One spare worker is kept booted so that isolate creation
// stays off the hot path.
//
// Host <-> worker traffic goes over a MessageChannel port handed to the worker
// before any user code exists. User code cannot reach that port, and the host
// ignores the worker's global postMessage entirely. Every message that does
// arrive on the port is still validated and re-checked before anything is
// written to stdout: the run id is the host's own binding of the worker, and
// JSON values are parsed before they are spliced into a protocol line.

import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { stripTypeScriptTypes } from "node:module";
import { FRAME_KINDS } from "./sandbox-protocol.js";
import { sandboxWorkerSource } from "./sandbox-worker.js";

const DEFAULT_TIMEOUT_MS = 30000;
const DEFAULT_MAX_LOG_BYTES = 16000;
const MAX_TIMER_MS = 2147483647;
const MAX_ERROR_MESSAGE_CHARS = 8000;
// Far above any sane JUNCTION_MAX_CALLS_PER_RUN (which the Swift side enforces):
// only a flood of calls the Swift side would refuse anyway is cut short here.
const MAX_CALLS_PER_RUN = 10000;
// The most code a worker may ask to have its types stripped (two forms of the code).
const MAX_STRIP_CHARS = 4 * 1024 * 1024;

const SANDBOX_URL = URL.createObjectURL(
  new Blob([sandboxWorkerSource()], { type: "text/javascript" }),
);

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
let frameKey = null; // the first line on fd 3; never leaves this thread
let frameSeq = 0;
function emitLine(json) {
  frameSeq++;
  const signed = frameSeq + " " + json;
  const mac = createHmac("sha256", frameKey).update(signed).digest("base64url");
  let buf = encoder.encode(mac + " " + signed + "\n");
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
  // No permissions at all, whatever this process has (it may read fd 3).
  const worker = new Worker(SANDBOX_URL, { type: "module", name: "junction-sandbox", deno: { permissions: "none" } });
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
  if (msg.t === "unsafe") {
    // Fail closed: this Deno does not enforce what the sandbox relies on.
    diag("refusing to run code:", String(msg.why).slice(0, 500));
    Deno.exit(70);
  }
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
      if (run.callIds.size >= MAX_CALLS_PER_RUN) {
        finish(run, {
          ok: false,
          error: { name: "Error", message: `the run made more than ${MAX_CALLS_PER_RUN} calls`, line: null },
        });
        return;
      }
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
    case "strip":
      stripTypes(slot, run, msg.sources);
      return;
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

// Strips the TypeScript types of a run's code (both forms at once), once per
// run. Strip mode keeps every line where it was; enums, namespaces and
// parameter properties need transform mode, which may move lines.
function stripTypes(slot, run, sources) {
  if (run.stripped || !Array.isArray(sources) || sources.length > 2) return;
  run.stripped = true;
  let total = 0;
  for (const s of sources) total += typeof s === "string" ? s.length : 0;
  const results = sources.map((s) => {
    if (typeof s !== "string" || total > MAX_STRIP_CHARS) return { error: "the code is too large" };
    try {
      return { code: stripTypeScriptTypes(s, { mode: "strip" }) };
    } catch (e) {
      try {
        return { code: stripTypeScriptTypes(s, { mode: "transform" }) };
      } catch { /* report the strip-mode error: it names the construct */ }
      return { error: String(e?.message ?? e).slice(0, 2000) };
    }
  });
  slot.port.postMessage({ t: "stripped", results });
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
    stripped: false,
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
    slot.port.postMessage({
      t: "run",
      code: msg.code,
      functions: openFunctions ? "*" : functions,
      listing: openFunctions ? checkedListing(msg.listing) : null,
      maxLogBytes,
    });
  } catch (e) {
    finish(run, {
      ok: false,
      error: { name: "Error", message: "could not start a sandbox: " + (e?.message ?? e), line: null },
    });
    return;
  }
  scheduleReplenish(SPARE_DELAY_MS);
}

// What an open codemode lists of itself (see SandboxListing.swift): {names, total}.
function checkedListing(listing) {
  if (listing === null || typeof listing !== "object" || !Number.isSafeInteger(listing.total) || listing.total < 0) return null;
  const names = Array.isArray(listing.names) ? listing.names.filter((n) => typeof n === "string" && validName.test(n)) : [];
  return { names: names.slice(0, 1000), total: listing.total };
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
  const handler = typeof msg.type === "string" && Object.hasOwn(requestHandlers, msg.type) ? requestHandlers[msg.type] : null;
  if (handler) handler(msg);
  else diag("ignoring message of type", JSON.stringify(msg.type));
}

// One handler per kind of FRAME_KINDS.toHost (sandbox-protocol.js), checked at boot.
const requestHandlers = Object.freeze({
  __proto__: null,
  run: startRun,
  result: deliverResult,
  cancel: cancelRun,
  ping: (msg) => emitLine(`{"type":"pong","id":${JSON.stringify(msg.id ?? null)}}`),
});
if (Object.keys(requestHandlers).join() !== FRAME_KINDS.toHost.join()) {
  diag("the request handlers do not match sandbox-protocol.js; exiting");
  Deno.exit(70);
}

function handleFirstLine(line) {
  const key = line.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(key)) {
    diag("the first line on fd 3 is not a key; exiting");
    Deno.exit(64);
  }
  frameKey = Buffer.from(key, "base64url");
}

async function readRequests() {
  // fd 3, not stdin: only Swift writes it, and no worker may open it. Read with
  // one op per chunk, no stream machinery between a line's arrival and its run starting.
  const requests = Deno.openSync("/dev/fd/3", { read: true });
  const decoder = new TextDecoder();
  const buf = new Uint8Array(65536);
  let pending = "";
  let handle = handleFirstLine;
  for (;;) {
    const n = await requests.read(buf);
    if (n === null) break;
    let chunk = decoder.decode(buf.subarray(0, n), { stream: true });
    let nl = chunk.indexOf("\n");
    while (nl >= 0) {
      let line = pending + chunk.slice(0, nl);
      pending = "";
      if (line.endsWith("\r")) line = line.slice(0, -1);
      try {
        handle(line);
      } catch (e) {
        diag("error handling a message:", e?.stack ?? e);
      }
      if (handle === handleFirstLine) {
        handle = handleLine;
        replenishSpare(); // the first worker boots once frames can be signed
      }
      chunk = chunk.slice(nl + 1);
      nl = chunk.indexOf("\n");
    }
    pending += chunk;
  }
  pending += decoder.decode();
  if (pending.trim() && handle === handleLine) handleLine(pending);
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
  try {
    await readRequests();
  } catch (e) {
    diag("fd 3 failed:", e?.message ?? e);
  }
  // Swift closed fd 3: stop everything and leave.
  shuttingDown = true;
  for (const slot of [...slots.values()]) disposeSlot(slot);
  Deno.exit(0);
}

main();
