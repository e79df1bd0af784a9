// The message kinds of the sandbox, listed once for the JavaScript side and once for
// Swift (SandboxMessage.swift: `Kind` and `WorkerKind`). A Swift test
// (SandboxProtocolTests) checks that the two lists agree and that sandbox-host.js and
// the sandbox worker parts send no kind these lists lack.

// Frames between the Swift worker and sandbox-host.js: `{"type": <kind>, ...}`.
export const FRAME_KINDS = Object.freeze({
  // Swift -> host, on fd 3.
  toHost: Object.freeze(["run", "result", "cancel", "ping"]),
  // Host -> Swift, in authenticated frames on stdout.
  toSwift: Object.freeze(["ready", "call", "done", "pong"]),
});

// Messages between the host and a sandbox worker on their private MessagePort:
// `{t: <kind>, ...}`. The worker cannot import this module (it loads nothing); its
// literals are checked against these lists by the same test.
export const WORKER_KINDS = Object.freeze({
  toWorker: Object.freeze(["run", "result", "stripped"]),
  toHost: Object.freeze(["booted", "unsafe", "log", "drop", "call", "strip", "done"]),
});
