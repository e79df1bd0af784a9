// Benchmark floor for the sandbox: what a zero-permission Deno Worker costs on
// this machine, independent of Junction.
//
//   deno run --no-prompt --no-remote --no-npm --no-config --no-lock ops/bench/floor.js [N]
//
// Prints one line of JSON:
//   {"cold": {"median_ms", "p99_ms", "n"}, "warm": {...}, "churn_per_s": ...}
// cold  = create a fresh Worker, run `async () => 1`, get the answer, terminate.
// warm  = post the code to an already booted Worker and wait for the answer
//         (the sandbox host's spare-worker path).
// churn = cold round trips per second with navigator.hardwareConcurrency of
//         them in flight at once, for about 3 seconds.
// The worker loads the code the way the sandbox host does: compiled as a classic
// script by Deno's script compiler, with the option that makes the runtime
// refuse import() (sandbox-worker.js). --loader=module loads it the way the host
// did before issue 12 instead: as a data: URL module.
//
//   deno run ... ops/bench/floor.js --compare [N]
// measures both loaders, interleaved in one process, and prints
//   {"script": {"cold", "warm", "churn_per_s"}, "module": {...}}
//
//   deno run ... ops/bench/floor.js --churn
// measures only the churn, so that a benchmark can take it right next to its own
// throughput run.
//
//   deno run ... ops/bench/floor.js --serve
// answers each line on stdin with one warm round trip's milliseconds, in a
// worker booted after the previous answer (as the sandbox host keeps a spare),
// so that a benchmark can take floor samples between its own, under the same
// machine conditions (these machines' speed drifts by 2x over minutes).

const flags = Deno.args.filter((a) => a.startsWith("--"));
const SERVE = flags.includes("--serve");
const CHURN_ONLY = flags.includes("--churn");
const COMPARE = flags.includes("--compare");
const LOADER = flags.includes("--loader=module") ? "module" : "script";
const N = (() => {
  const n = Number.parseInt(Deno.args.find((a) => !a.startsWith("--")) ?? "200", 10);
  return Number.isFinite(n) && n > 0 ? n : 200;
})();
const CHURN_SECONDS = 3;
const CODE = "async () => 1";

// The worker: announces itself, then loads the code it is sent and answers
// with the value of calling it.
const loaders = {
  script: `
const evalContext = Deno[Deno.internal].core.evalContext;
const load = async (code) => {
  const [value, error] = evalContext('"use strict";(' + code + "\\n)", "junction:code", [1]);
  if (error) throw error.thrown;
  return value;
};`,
  module: `
const encoder = new TextEncoder();
const load = async (code) => {
  const source = "export default (" + code + "\\n);";
  return (await import("data:text/javascript;base64," + encoder.encode(source).toBase64())).default;
};`,
};
const workerUrls = Object.fromEntries(Object.entries(loaders).map(([name, loader]) => [
  name,
  URL.createObjectURL(new Blob([loader + `
self.onmessage = async (e) => {
  try {
    const fn = await load(e.data);
    postMessage({ ok: true, value: await fn() });
  } catch (err) {
    postMessage({ ok: false, error: String(err) });
  }
};
postMessage("ready");
`], { type: "text/javascript" })),
]));
let workerUrl = workerUrls[LOADER];

function nextMessage(worker) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
}

function check(answer) {
  if (!answer || answer.ok !== true || answer.value !== 1) {
    throw new Error("unexpected answer from worker: " + JSON.stringify(answer));
  }
}

async function coldRoundTrip() {
  const t0 = performance.now();
  const worker = new Worker(workerUrl, { type: "module" });
  const ready = nextMessage(worker);
  worker.postMessage(CODE); // queued until the worker listens
  await ready;
  const answer = await nextMessage(worker);
  worker.terminate();
  const t1 = performance.now();
  check(answer);
  return t1 - t0;
}

async function bootWorker() {
  const worker = new Worker(workerUrl, { type: "module" });
  await nextMessage(worker); // booted
  return worker;
}

// Code into a booted worker, answer out: the timed part of a warm round trip.
async function runInBooted(worker) {
  const t0 = performance.now();
  const answer = nextMessage(worker);
  worker.postMessage(CODE);
  const result = await answer;
  const t1 = performance.now();
  worker.terminate();
  check(result);
  return t1 - t0;
}

async function warmRoundTrip() {
  const worker = await bootWorker();
  await new Promise((r) => setTimeout(r, 2)); // let it settle, as a spare would
  return await runInBooted(worker);
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const round = (x) => Math.round(x * 1000) / 1000;
  return { median_ms: round(rank(0.5)), p99_ms: round(rank(0.99)), n: s.length };
}

async function churn() {
  const lanes = Math.max(1, navigator.hardwareConcurrency || 1);
  const deadline = performance.now() + CHURN_SECONDS * 1000;
  let completed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < deadline) {
        await coldRoundTrip();
        completed++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return Math.round((completed / elapsed) * 10) / 10;
}

// One untimed round trip of each kind first, so that process-wide lazy
// initialisation is not billed to the first sample.
await coldRoundTrip();
await warmRoundTrip();

if (CHURN_ONLY) {
  console.log(JSON.stringify({ churn_per_s: await churn() }));
  Deno.exit(0);
}

if (SERVE) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const buf = new Uint8Array(4096);
  let spare = bootWorker();
  for (;;) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    for (const _ of decoder.decode(buf.subarray(0, n)).matchAll(/\n/g)) {
      const ms = await runInBooted(await spare);
      Deno.stdout.writeSync(encoder.encode(ms.toFixed(4) + "\n"));
      spare = bootWorker();
    }
  }
  Deno.exit(0);
}

async function measure() {
  const cold = [];
  for (let i = 0; i < N; i++) cold.push(await coldRoundTrip());
  const warm = [];
  for (let i = 0; i < N; i++) warm.push(await warmRoundTrip());
  return { cold: summary(cold), warm: summary(warm), churn_per_s: await churn() };
}

if (COMPARE) {
  // Interleaved in rounds, so that both loaders see the same machine conditions.
  const samples = { script: { cold: [], warm: [], churn: [] }, module: { cold: [], warm: [], churn: [] } };
  const rounds = 4;
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? ["module", "script"] : ["script", "module"]) {
      workerUrl = workerUrls[name];
      await coldRoundTrip();
      for (let i = 0; i < N / rounds; i++) samples[name].cold.push(await coldRoundTrip());
      for (let i = 0; i < N / rounds; i++) samples[name].warm.push(await warmRoundTrip());
      samples[name].churn.push(await churn());
    }
  }
  const out = {};
  for (const [name, s] of Object.entries(samples)) {
    const churnMean = s.churn.reduce((a, b) => a + b, 0) / s.churn.length;
    out[name] = { cold: summary(s.cold), warm: summary(s.warm), churn_per_s: Math.round(churnMean * 10) / 10 };
  }
  console.log(JSON.stringify(out));
  Deno.exit(0);
}

console.log(JSON.stringify(await measure()));
Deno.exit(0);
