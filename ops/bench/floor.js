// Benchmark floor for the sandbox: what a zero-permission Deno Worker costs on
// this machine, independent of Junction.
//
//   deno run --no-prompt --no-remote --no-npm --no-config --no-lock ops/bench/floor.js [N]
//
// Prints one line of JSON:
//   {"cold": {"median_ms", "p99_ms", "n"}, "warm": {...}, "churn_per_s": ...}
// cold  = create a fresh Worker, run `async () => 1`, get the answer, terminate.
// warm  = post the code to an already booted Worker and wait for the answer
//         (the sandbox host's spare-worker path; the code is loaded the way the
//         host loads it: as a data: URL module).
// churn = cold round trips per second with navigator.hardwareConcurrency of
//         them in flight at once, for about 3 seconds.
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

const SERVE = Deno.args[0] === "--serve";
const CHURN_ONLY = Deno.args[0] === "--churn";
const N = (() => {
  const n = Number.parseInt(Deno.args[0] ?? "200", 10); // NaN for the flags: 200
  return Number.isFinite(n) && n > 0 ? n : 200;
})();
const CHURN_SECONDS = 3;
const CODE = "async () => 1";

// The worker: announces itself, then loads the code it is sent as a module
// and answers with the value of calling its default export.
const workerSource = `
const encoder = new TextEncoder();
self.onmessage = async (e) => {
  try {
    const source = "export default (" + e.data + "\\n);";
    const url = "data:text/javascript;base64," + encoder.encode(source).toBase64();
    const fn = (await import(url)).default;
    postMessage({ ok: true, value: await fn() });
  } catch (err) {
    postMessage({ ok: false, error: String(err) });
  }
};
postMessage("ready");
`;
const workerUrl = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));

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

const cold = [];
for (let i = 0; i < N; i++) cold.push(await coldRoundTrip());
const warm = [];
for (let i = 0; i < N; i++) warm.push(await warmRoundTrip());
const churnPerSecond = await churn();

console.log(JSON.stringify({ cold: summary(cold), warm: summary(warm), churn_per_s: churnPerSecond }));
Deno.exit(0);
