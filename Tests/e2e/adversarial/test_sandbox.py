"""Adversarial suite, sandbox room (issue 12): code a model (or an attacker behind one) sends
to `execute`, against a real stack (redis, httpbin, the three Junction binaries, real Deno).

Every attempt is run by the attacker (user A) while a bystander (user B) runs an `execute`
that calls B's own source; each test asserts that A was refused *and* that B's run succeeded,
with exactly B's own calls, in reasonable time. Attempts are numbered S01..; one test case each.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest

from helpers import create_source, mcp_client, tool_payload, wait_source
from stack import Stack

pytestmark = pytest.mark.anyio

IMPORT_REFUSED = "modules cannot be loaded in the sandbox"
B_CODE = """async () => {
  const r = await codemode.bobsrc_get_get({ query: { who: "bob" } });
  return { status: r.status, n: 6 * 7 };
}"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def sandbox_stack(tmp_path_factory: pytest.TempPathFactory):
    s = Stack(workdir=tmp_path_factory.mktemp("adv-sandbox"), execute_timeout_ms=5000,
              # The per-user run cap (4) is not what these tests attack; under load B's five
              # runs 0.15 s apart can overlap past it and be refused too_many_runs.
              extra_env={"JUNCTION_SANDBOX_HEAP_MB": "128", "JUNCTION_MAX_RUNS_PER_USER": "16"})
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def users(sandbox_stack: Stack) -> dict[str, str]:
    """Tokens of the attacker (a) and the bystander (b); b owns the source `bobsrc`."""
    tokens = {"a": sandbox_stack.admin_token("attacker@example.com"),
              "b": sandbox_stack.admin_token("bystander@example.com")}
    with sandbox_stack.api(tokens["b"]) as api:
        create_source(api, sandbox_stack, "bobsrc")
        assert wait_source(api, "bobsrc")["status"] == "ready"
    return tokens


async def execute(stack: Stack, token: str, code: str) -> tuple[bool, dict[str, Any], float]:
    """(isError, structured payload, seconds) of one `execute`."""
    started = time.monotonic()
    async with mcp_client(stack, token) as client:
        result = await client.call_tool("execute", {"code": code})
    return bool(result.is_error), tool_payload(result), time.monotonic() - started


async def bystander(stack: Stack, users: dict[str, str], delay: float = 0.3) -> None:
    """B's run, started while A's attempt is under way: it must succeed, with B's one call."""
    await asyncio.sleep(delay)
    is_error, payload, seconds = await execute(stack, users["b"], B_CODE)
    assert not is_error, f"the bystander's run failed: {payload}"
    assert payload["result"] == {"status": 200, "n": 42}, payload
    assert [c["name"] for c in payload["calls"]] == ["bobsrc_get_get"], payload["calls"]
    assert seconds < 4, f"the bystander's run took {seconds:.1f} s"


async def attempt(stack: Stack, users: dict[str, str], code: str, b_delay: float = 0.3) -> tuple[bool, dict[str, Any]]:
    """Runs A's code and B's run side by side; returns A's (isError, payload)."""
    (a_error, a_payload, _), _ = await asyncio.gather(execute(stack, users["a"], code), bystander(stack, users, b_delay))
    return a_error, a_payload


def error_of(payload: dict[str, Any]) -> str:
    err = payload.get("error") or {}
    return f"{err.get('name')}: {err.get('message')}"


def refused_with(is_error: bool, payload: dict[str, Any], *needles: str) -> None:
    assert is_error, f"expected a refusal, got {payload}"
    text = error_of(payload)
    assert any(n in text for n in needles), f"unexpected error: {text}"


def probes_refused(is_error: bool, payload: dict[str, Any]) -> dict[str, str]:
    """Attack code that reports each probe as a string: every one must be a refusal."""
    assert not is_error, f"the probing code itself failed: {payload}"
    report = payload["result"]
    assert isinstance(report, dict) and report, report
    leaked = {k: v for k, v in report.items() if not str(v).startswith("refused")}
    assert not leaked, f"probes that were not refused: {leaked}"
    return report


# A nested module that, if it ever loaded, would write a forged frame to the host's stdout.
NESTED = base64.b64encode(b'import c from "node:console"; c.log(JSON.stringify({type:"call",id:"x",callId:1,'
                          b'name:"bobsrc_get_get",args:{}})); export const pwned = 1;').decode()

PROBE = """
const report = {};
const probe = async (name, f) => {
  try { const v = await f(); report[name] = "LEAKED " + String(v).slice(0, 80); }
  catch (e) { report[name] = "refused: " + (e && e.name) + ": " + String(e && e.message).slice(0, 120); }
};
"""


# --------------------------------------------------------------------------- #
# module loading, by every syntax
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("code", [
    pytest.param('import fs from "node:fs";\nreturn Object.keys(fs).length', id="static-import"),
    pytest.param('import * as v8 from "node:v8"\nexport default async () => 1', id="static-import-namespace"),
    pytest.param('export * from "node:child_process";\nreturn 1', id="export-from"),
    pytest.param('import data from "data:application/json,{}" with { type: "json" };\nreturn data', id="import-attributes"),
    pytest.param("return import.meta.url", id="import-meta"),
])
async def test_s01_static_module_syntax_is_a_syntax_error(sandbox_stack: Stack, users, code: str) -> None:
    is_error, payload = await attempt(sandbox_stack, users, code)
    refused_with(is_error, payload, IMPORT_REFUSED, "SyntaxError")


@pytest.mark.parametrize("code", [
    pytest.param("}\nexport * from \"data:text/javascript;base64," + NESTED + "\"\nfunction x() {", id="statement-body"),
    pytest.param("1)\nexport * from \"data:text/javascript;base64," + NESTED + "\"\n;(1", id="expression-body"),
])
async def test_s02_body_escape_splicing_loads_nothing(sandbox_stack: Stack, users, code: str) -> None:
    is_error, payload = await attempt(sandbox_stack, users, code)
    refused_with(is_error, payload, IMPORT_REFUSED)
    assert "pwned" not in json.dumps(payload)


async def test_s02b_escaping_to_the_top_level_still_loads_nothing(sandbox_stack: Stack, users) -> None:
    # Closing the wrapper runs code at the script's top level: import() is refused there too.
    code = ("});\nglobalThis.r = import(\"data:text/javascript;base64," + NESTED + "\");\n"
            "(async function () { try { return \"LOADED \" + (await globalThis.r).pwned } catch (e) { return \"refused: \" + e.message }")
    is_error, payload = await attempt(sandbox_stack, users, code)
    assert not is_error and str(payload["result"]).startswith("refused: A dynamic import callback"), payload


async def test_s03_dynamic_import_is_refused_by_the_runtime_everywhere(sandbox_stack: Stack, users) -> None:
    code = PROBE + """
await probe("direct", () => import("node:fs").then(m => Object.keys(m).length));
await probe("data", () => import("data:text/javascript,export default 7").then(m => m.default));
await probe("attributes", () => import("data:application/json,{}", { with: { type: "json" } }).then(m => m.default));
await probe("nested-fn", () => { const f = () => import("node:worker_threads"); return f().then(() => 1); });
await probe("promise-job", () => Promise.resolve().then(() => import("node:v8")).then(() => 1));
await probe("getter", () => ({ get x() { return import("node:console"); } }).x.then(() => 1));
await probe("timer", () => new Promise((res, rej) => setTimeout(() => import("node:child_process").then(res, rej), 5)));
await probe("async-continuation", async () => { await null; await new Promise(r => setTimeout(r, 5)); return (await import("node:process")).pid; });
await probe("blob", () => import(URL.createObjectURL(new Blob(["export default 1"], { type: "text/javascript" }))));
await probe("remote", () => import("https://example.com/x.js"));
return report;"""
    report = probes_refused(*await attempt(sandbox_stack, users, code))
    assert "dynamic import callback was not specified" in report["direct"], report


@pytest.mark.parametrize("code", [
    pytest.param('return await \\u0069mport("node:fs")', id="escaped-import-call"),
    pytest.param('imp\\u006frt fs from "node:fs";\nreturn 1', id="escaped-import-statement"),
    pytest.param('return await im\\u{70}ort("node:fs")', id="braced-escape"),
    pytest.param('exp\\u006frt * from "node:fs";\nreturn 1', id="escaped-export"),
])
async def test_s04_unicode_escaped_keywords_load_nothing(sandbox_stack: Stack, users, code: str) -> None:
    is_error, payload = await attempt(sandbox_stack, users, code)
    refused_with(is_error, payload, IMPORT_REFUSED, "SyntaxError", "Keyword must not contain escaped characters")


@pytest.mark.parametrize("code", [
    pytest.param('import type { A } from "node:fs";\nimport fs = require("node:fs");\nreturn 1', id="import-equals"),
    pytest.param('enum E { A }\nimport x from "node:fs";\nreturn E.A', id="enum-plus-import"),
    pytest.param('namespace N { export import fs = require("node:fs"); }\nreturn 1', id="namespace-import"),
    pytest.param('const m: Promise<any> = import("node:fs");\nreturn (await m).default', id="typed-dynamic-import"),
    pytest.param('declare module "x" {}\nexport = 1;', id="export-equals"),
])
async def test_s05_typescript_only_syntaxes_load_nothing(sandbox_stack: Stack, users, code: str) -> None:
    is_error, payload = await attempt(sandbox_stack, users, code)
    refused_with(is_error, payload, IMPORT_REFUSED, "SyntaxError", "not supported", "require is not defined")


# --------------------------------------------------------------------------- #
# string code generation, other isolates
# --------------------------------------------------------------------------- #

async def test_s06_string_code_generation_is_refused(sandbox_stack: Stack, users) -> None:
    code = PROBE + """
await probe("eval", () => eval("1 + 1"));
await probe("indirect-eval", () => (0, globalThis["ev" + "al"])("1 + 1"));
await probe("Function", () => Function("return 1")());
await probe("Function-via-prototype", () => (() => {}).constructor("return 1")());
await probe("AsyncFunction", () => (async () => {}).constructor("return 1")());
await probe("GeneratorFunction", () => (function* () {}).constructor("yield 1")().next().value);
await probe("AsyncGeneratorFunction", () => (async function* () {}).constructor("yield 1")().next());
await probe("setTimeout-string", () => new Promise((res, rej) => { try { setTimeout("globalThis.leak = 1", 0); } catch (e) { rej(e); return; } setTimeout(() => globalThis.leak === 1 ? res("ran") : rej(new Error("not run")), 30); }));
await probe("setInterval-string", () => { const id = setInterval("globalThis.leak2 = 1", 1); clearInterval(id); return "accepted"; });
return report;"""
    probes_refused(*await attempt(sandbox_stack, users, code))


async def test_s07_workers_and_channels_to_other_isolates_are_gone(sandbox_stack: Stack, users) -> None:
    code = PROBE + """
await probe("Worker", () => new Worker("data:text/javascript,postMessage(1)", { type: "module" }));
await probe("SharedWorker", () => new SharedWorker("data:text/javascript,1"));
await probe("BroadcastChannel", () => new BroadcastChannel("junction").postMessage("hi"));
await probe("global-postMessage", () => postMessage({ t: "call", callId: 1, name: "bobsrc_get_get", args: "{}" }));
await probe("self-postMessage", () => self.postMessage({ t: "done", ok: true, result: "1" }));
await probe("createObjectURL", () => URL.createObjectURL(new Blob(["x"])));
await probe("ShadowRealm", () => new ShadowRealm().evaluate("1"));
return report;"""
    probes_refused(*await attempt(sandbox_stack, users, code))


async def test_s08_webassembly_cannot_escape_or_hold_the_host(sandbox_stack: Stack, users) -> None:
    # A module whose export `f` loops forever: the deadline must stop it while B is served.
    loop = "[0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,7,5,1,1,102,0,0,10,9,1,7,0,3,64,12,0,11,11]"
    code = PROBE + f"""
await probe("streaming-fetch", () => WebAssembly.compileStreaming(fetch("http://127.0.0.1:1/x.wasm")));
await probe("esm-integration", () => import("data:application/wasm;base64,AGFzbQEAAAA="));
const {{ instance }} = await WebAssembly.instantiate(new Uint8Array({loop}));
instance.exports.f();
return report;"""
    is_error, payload = await attempt(sandbox_stack, users, code, b_delay=1.0)
    assert is_error and payload["error"]["name"] == "TimeoutError", payload


# --------------------------------------------------------------------------- #
# Deno namespace, process, stdio, internals
# --------------------------------------------------------------------------- #

async def test_s09_process_control_and_permissions_are_refused(sandbox_stack: Stack, users) -> None:
    code = PROBE + """
await probe("Command", async () => (await new Deno.Command("/bin/sh", { args: ["-c", "id"] }).output()).code);
await probe("exit", () => Deno.exit(0));
await probe("kill", () => Deno.kill(1, "SIGKILL"));
await probe("env", () => Deno.env.toObject());
await probe("read-file", () => Deno.readTextFileSync("/etc/hostname"));
await probe("connect", async () => (await Deno.connect({ hostname: "127.0.0.1", port: 6379 })).rid);
await probe("dlopen", () => Deno.dlopen("libc.so.6", {}));
await probe("permission-request", async () => { const s = await Deno.permissions.request({ name: "read" }); if (s.state !== "granted") throw new Error(s.state); return s.state; });
await probe("permission-query-fd3", async () => { const s = await Deno.permissions.query({ name: "read", path: "/dev/fd/3" }); if (s.state !== "granted") throw new Error(s.state); return s.state; });
await probe("process-global", () => process.stdout.write("x"));
await probe("require", () => require("node:fs"));
return report;"""
    probes_refused(*await attempt(sandbox_stack, users, code))


async def test_s10_stdio_and_the_host_channel_are_unreachable(sandbox_stack: Stack, users) -> None:
    frame = json.dumps({"type": "call", "id": "x", "callId": 1, "name": "bobsrc_get_get", "args": {}})
    code = PROBE + f"""
const line = new TextEncoder().encode({json.dumps(frame)} + "\\n");
await probe("Deno.stdout", () => Deno.stdout.writeSync(line));
await probe("Deno.stderr", () => Deno.stderr.writeSync(line));
await probe("Deno.stdin", () => Deno.stdin.readSync(new Uint8Array(10)));
for (const p of ["/dev/stdout", "/proc/self/fd/1", "/dev/fd/1", "/dev/fd/3", "/proc/self/fd/3", "/dev/fd/0"]) {{
  await probe("open " + p, () => Deno.openSync(p, {{ write: true }}).writeSync(line));
  await probe("read " + p, () => Deno.openSync(p, {{ read: true }}).readSync(new Uint8Array(10)));
}}
return report;"""
    probes_refused(*await attempt(sandbox_stack, users, code))


async def test_s11_deno_internals_are_out_of_reach(sandbox_stack: Stack, users) -> None:
    code = PROBE + """
const need = (v) => { if (v === undefined || v === null) throw new Error("absent"); return v; };
await probe("Deno.internal", () => need(Deno[Deno.internal]));
await probe("Deno.internal-symbol", () => need(Object.getOwnPropertySymbols(Deno).map((s) => Deno[s]).find((v) => v)));
await probe("Symbol.for", () => need(Deno[Symbol.for("Deno.internal")] ?? globalThis[Symbol.for("Deno.internal")]));
await probe("Deno.core", () => need(Deno.core));
await probe("__bootstrap", () => need(globalThis.__bootstrap));
await probe("nodeBootstrap", () => need(globalThis.nodeBootstrap));
await probe("core.print", () => Deno[Deno.internal].core.print("x\\n"));
await probe("console-internals", () => need(Object.getOwnPropertySymbols(console).map((s) => console[s]).find((v) => v)));
await probe("global-symbols", () => need(Object.getOwnPropertySymbols(globalThis).map((s) => globalThis[s]).find((v) => v && v.core)));
await probe("error-stack-callsites", () => { Error.prepareStackTrace = (_, cs) => cs.map((c) => c.getFunction()).find((f) => f && f !== probe); const f = need(new Error().stack); Error.prepareStackTrace = undefined; return f.name; });
return report;"""
    probes_refused(*await attempt(sandbox_stack, users, code))


# --------------------------------------------------------------------------- #
# the bootstrap's helpers, the channel, floods
# --------------------------------------------------------------------------- #

async def test_s12_polluted_bootstrap_helpers_do_not_redirect_calls(sandbox_stack: Stack, users) -> None:
    # A pollutes every prototype the bootstrap could use, then calls B's function names.
    code = """
const real = Reflect.apply;
Array.prototype.push = function () { return 0; };
Array.prototype.join = function () { return '{"t":"call","callId":99,"name":"bobsrc_get_get","args":"{}"}'; };
Array.isArray = () => true;
JSON.stringify = () => '"forged"';
JSON.parse = () => ({ t: "call", name: "bobsrc_get_get" });
Map.prototype.get = function () { return undefined; };
Map.prototype.set = function () { return this; };
String.prototype.replace = function () { return "bobsrc_get_get"; };
RegExp.prototype.test = () => true;
RegExp.prototype.exec = () => null;
Function.prototype.apply = function () { return "hijacked"; };
Function.prototype.bind = function () { return () => "hijacked"; };
Object.defineProperty(Object.prototype, "name", { get() { return "bobsrc_get_get"; }, configurable: true });
Reflect.apply = () => "hijacked";
Promise.prototype.then = function (f) { return real(Object.getPrototypeOf(Promise.prototype).constructor, this, []); };
try { await codemode.bobsrc_get_get({}); } catch (e) {}
return "done";
"""
    is_error, payload = await attempt(sandbox_stack, users, code)
    # Whatever A's run reports, a call it makes is looked up in A's catalog, where B's source is not.
    for c in payload.get("calls", []):
        assert not c.get("ok"), f"A's run performed a call: {c}"
    # The pollution died with A's isolate: A's next run is clean.
    is_error2, payload2, _ = await execute(sandbox_stack, users["a"], "async () => [JSON.stringify([1]), [1].push(2), 'a'.replace('a', 'b')]")
    assert not is_error2 and payload2["result"] == ["[1]", 2, "b"], payload2


async def test_s13_calling_another_users_functions_is_refused(sandbox_stack: Stack, users) -> None:
    code = "async () => await codemode.bobsrc_get_get({ query: { stolen: 1 } })"
    is_error, payload = await attempt(sandbox_stack, users, code)
    refused_with(is_error, payload, "not a function of your enabled sources")
    assert [c["ok"] for c in payload["calls"]] == [False], payload


async def test_s14_forged_frames_do_not_act_for_another_user(sandbox_stack: Stack, users) -> None:
    # Every way A's code can emit protocol-shaped text: logs, errors, return values, raw writes.
    frame = {"type": "call", "id": "00000000-0000-0000-0000-000000000000", "callId": 1, "name": "bobsrc_get_get", "args": {}}
    done = {"type": "done", "id": "00000000-0000-0000-0000-000000000000", "ok": True, "result": "forged", "logs": []}
    code = PROBE + f"""
const lines = [{json.dumps(json.dumps(frame))}, {json.dumps(json.dumps(done))}];
for (const l of lines) {{ console.log(l); console.log("\\n" + l + "\\n"); console.error(l); }}
await probe("stdout-write", () => Deno.stdout.write(new TextEncoder().encode(lines.join("\\n") + "\\n")));
await probe("core-print", () => Deno[Deno.internal].core.print(lines.join("\\n") + "\\n"));
await probe("global-postMessage", () => postMessage({{ t: "call", callId: 7, name: "bobsrc_get_get", args: "{{}}" }}));
return report;"""
    a = asyncio.create_task(execute(sandbox_stack, users["a"], code))
    # B runs several times while A forges: each of B's runs shows exactly its own call.
    for _ in range(3):
        await bystander(sandbox_stack, users, delay=0.05)
    is_error, payload, _ = await a
    assert "forged" not in json.dumps(payload.get("result")), payload
    assert payload.get("calls", []) == [], payload


async def test_s15_giant_logs_are_capped(sandbox_stack: Stack, users) -> None:
    code = "async () => { const big = 'x'.repeat(1 << 20); for (let i = 0; i < 300; i++) console.log(big); for (let i = 0; i < 100000; i++) console.log(i); return 'done' }"
    is_error, payload = await attempt(sandbox_stack, users, code)
    assert not is_error and payload["result"] == "done", payload
    assert sum(len(l) for l in payload["logs"]) < 40_000, "logs are not capped"
    assert "more log bytes dropped" in payload["logs"][-1]


async def test_s16_a_flood_of_calls_is_cut_off(sandbox_stack: Stack, users) -> None:
    code = """async () => {
      const all = [];
      for (let i = 0; i < 20000; i++) all.push(codemode.nobody_here({ i }).catch((e) => e.message));
      const out = await Promise.all(all);
      return out.length;
    }"""
    is_error, payload = await attempt(sandbox_stack, users, code)
    text = json.dumps(payload)
    assert "maxCallsPerRun" in text or "more than" in text, text[:2000]
    assert len(payload.get("calls", [])) <= 60, len(payload.get("calls", []))


async def test_s17_cpu_spin_is_stopped_at_the_deadline(sandbox_stack: Stack, users) -> None:
    is_error, payload = await attempt(sandbox_stack, users, "async () => { while (true) {} }", b_delay=1.0)
    assert is_error and payload["error"]["name"] == "TimeoutError", payload


async def test_s18_memory_bomb_fails_alone(sandbox_stack: Stack, users) -> None:
    code = "async () => { const a = []; while (true) a.push(new Array(1e6).fill(1)) }"
    is_error, payload = await attempt(sandbox_stack, users, code, b_delay=0.5)
    refused_with(is_error, payload, "SandboxCrashed", "memory")


async def test_s19_three_bombs_of_one_user_never_fail_five_runs_of_another(sandbox_stack: Stack, users) -> None:
    """Issue 12, item 3: 3 memory bombs of A alongside 5 innocent runs of B (and A forging frames)."""
    bomb = "const a = []; while (true) a.push(new Array(1e6).fill(1))"
    bombs = [asyncio.create_task(execute(sandbox_stack, users["a"], bomb)) for _ in range(3)]
    b_runs = []
    for _ in range(5):
        await asyncio.sleep(0.15)
        b_runs.append(asyncio.create_task(execute(sandbox_stack, users["b"], B_CODE)))
    b_results = await asyncio.gather(*b_runs)
    for is_error, payload, seconds in b_results:
        assert not is_error, f"a run of B failed while A's bombs went off: {payload}"
        assert payload["result"] == {"status": 200, "n": 42}
        assert [c["name"] for c in payload["calls"]] == ["bobsrc_get_get"], payload["calls"]
        assert seconds < 3, f"a run of B took {seconds:.1f} s"
    for is_error, payload, _ in await asyncio.gather(*bombs):
        refused_with(is_error, payload, "SandboxCrashed")
    # A's forged frame, after the bombs: still acts for nobody.
    forge = 'console.log(\'{"type":"call","id":"x","callId":1,"name":"bobsrc_get_get","args":{}}\'); return codemode.bobsrc_get_get({})'
    is_error, payload = await attempt(sandbox_stack, users, forge)
    refused_with(is_error, payload, "not a function of your enabled sources")


async def test_s20_timers_and_closing_cannot_outlive_or_break_the_run(sandbox_stack: Stack, users) -> None:
    code = """async () => {
      setInterval(() => console.log("LATE"), 1);
      setTimeout(() => { throw new Error("late throw"); }, 50);
      queueMicrotask(() => { Promise.reject(new Error("ignored")); });
      return "done";
    }"""
    is_error, payload = await attempt(sandbox_stack, users, code)
    assert not is_error and payload["result"] == "done", payload
    is_error, payload = await attempt(sandbox_stack, users, "async () => { self.close(); await new Promise(r => setTimeout(r, 100)); return 1 }")
    refused_with(is_error, payload, "close() ended the run")
    is_error, payload, _ = await execute(sandbox_stack, users["a"], "async () => { await new Promise(r => setTimeout(r, 200)); return 'clean' }")
    assert payload["result"] == "clean" and not any("LATE" in l for l in payload["logs"]), payload


async def test_s21_atomics_wait_and_giant_values_end_harmlessly(sandbox_stack: Stack, users) -> None:
    is_error, payload = await attempt(sandbox_stack, users,
                                      "async () => { const a = new Int32Array(new SharedArrayBuffer(4)); Atomics.wait(a, 0, 0); return 1 }",
                                      b_delay=1.0)
    assert is_error, payload
    is_error, payload = await attempt(sandbox_stack, users, "async () => 'x'.repeat(2 ** 29) + 'y'.repeat(2 ** 29)")
    assert is_error, payload
