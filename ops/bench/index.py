"""Benchmark OpenAPI indexing through the real refresher, next to FastMCP's importer.

For each spec: serve it from a local HTTP server, register it as a source on a
fresh Junction stack, poll until the source is ready, and report the wall time
(POST → ready, so fetch + parse + index + catalog write + queue latency), the
refresher's own fetch/index split from its log, and the refresher's peak RSS
while indexing (VmHWM, reset through /proc/PID/clear_refs before each spec).
Then FastMCP.from_openapi on the airflow spec (OpenAPI 3.1, YAML), in its own
environment, timed the same way (YAML load + import), and the ratio.

`--hostile` instead sends each hostile document of Tests/e2e/adversarial/hostile_specs.py
to a fresh stack and reports how long the refresher took to refuse it (or to give up
waiting, `--hostile-timeout`) and its peak RSS; a refresher over `--hostile-max-mib`
is stopped there.

Usage: ops/bench/index [--sizes 1000,10000,50000] [--runs 3] [--json FILE]
       ops/bench/index --hostile [--hostile-timeout 180] [--hostile-max-mib 6000]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e" / "adversarial"))
from stack import REPO_ROOT, DocServer, Stack  # noqa: E402
import hostile_specs  # noqa: E402

SPECS = REPO_ROOT.parent / "shared" / "reference" / "openapi"
FASTMCP_PYTHON = REPO_ROOT / ".venv-fastmcp" / "bin" / "python"


def generated_spec(operations: int) -> bytes:
    """An OpenAPI 3.0 document with `operations` operations, shaped like a CRUD API."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    per_path = 4
    for i in range((operations + per_path - 1) // per_path):
        name = f"Resource{i}"
        schemas[name] = {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string", "description": f"name of {name}"},
            "tags": {"type": "array", "items": {"type": "string"}}, "owner": {"$ref": "#/components/schemas/Owner"},
            "created": {"type": "string", "format": "date-time"}}}
        ref = {"$ref": f"#/components/schemas/{name}"}
        ops = {
            "get": {"operationId": f"get{name}", "summary": f"Get a {name}", "tags": [f"group{i % 50}"],
                    "parameters": [{"name": "fields", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}},
            "put": {"operationId": f"replace{name}", "summary": f"Replace a {name}",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}},
            "patch": {"operationId": f"update{name}", "summary": f"Update a {name}",
                      "requestBody": {"content": {"application/merge-patch+json": {"schema": ref}}},
                      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}},
            "delete": {"operationId": f"delete{name}", "summary": f"Delete a {name}",
                       "parameters": [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                       "responses": {"204": {"description": "gone"}}},
        }
        remaining = operations - i * per_path
        paths[f"/v1/resources{i}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            **dict(list(ops.items())[:remaining]),
        }
    schemas["Owner"] = {"type": "object", "properties": {"login": {"type": "string"}, "manager": {"$ref": "#/components/schemas/Owner"}}}
    doc = {"openapi": "3.0.3", "info": {"title": f"generated {operations}", "version": "1"},
           "servers": [{"url": "https://api.example.com"}], "paths": paths, "components": {"schemas": schemas}}
    return json.dumps(doc).encode()


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def index_once(stack: Stack, api: Any, slug: str, spec_url: str) -> dict[str, Any]:
    refresher = stack.procs["refresher"]
    reset_peak(refresher.pid)
    before = vm_hwm_kib(refresher.pid)
    started = time.perf_counter()
    r = api.post("/api/v1/sources", json={"slug": slug, "type": "openapi", "specUrl": spec_url,
                                          "baseUrl": "http://127.0.0.1:9"})
    if r.status_code != 201:
        raise RuntimeError(f"POST /api/v1/sources -> {r.status_code}: {r.text}")
    while True:
        src = api.get(f"/api/v1/sources/{slug}").json()
        if src["status"] in ("ready", "error"):
            break
        time.sleep(0.01)
    wall = time.perf_counter() - started
    if src["status"] != "ready":
        raise RuntimeError(f"{slug}: {src['lastError']}")
    # The refresher's own split, from its "indexed spec" log line for this source.
    fetch_ms = index_ms = None
    for line in refresher.log_path.read_text(errors="replace").splitlines():
        if f"source={slug} " in line + " " and "indexed spec" in line:
            m = re.search(r"fetchMs=(\d+) indexMs=(\d+)", line)
            if m:
                fetch_ms, index_ms = int(m.group(1)), int(m.group(2))
    return {"wallS": wall, "operations": src["entryCount"], "fetchMs": fetch_ms, "parseIndexMs": index_ms,
            "peakMiB": vm_hwm_kib(refresher.pid) / 1024, "baselineMiB": before / 1024}


FASTMCP_SCRIPT = r"""
import json, resource, sys, time
import yaml, httpx2
from fastmcp import FastMCP
path = sys.argv[1]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
text = open(path).read()
spec = yaml.safe_load(text) if path.endswith((".yaml", ".yml")) else json.loads(text)
server = FastMCP.from_openapi(openapi_spec=spec, client=httpx2.AsyncClient(base_url="https://api.example.com"))
elapsed = time.perf_counter() - t0
import asyncio
tools = asyncio.run(server.list_tools())
print(json.dumps({"seconds": elapsed, "tools": len(tools), "peakMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "baselineMiB": base / 1024}))
"""


def fastmcp(path: Path) -> dict[str, Any] | None:
    if not FASTMCP_PYTHON.exists():
        return None
    r = subprocess.run([str(FASTMCP_PYTHON), "-c", FASTMCP_SCRIPT, str(path)], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def hostile(timeout: float, max_mib: float, first: int = 0) -> dict[str, Any]:
    """Each hostile document on a fresh stack: seconds until refused, refresher peak."""
    results: dict[str, Any] = {}
    for label, (build, expected) in list(hostile_specs.HOSTILE.items())[first:]:
        body = build()
        files = DocServer({"/h.json": body})
        with tempfile.TemporaryDirectory(prefix="junction-bench-hostile-") as tmp:
            stack = Stack(workdir=Path(tmp), with_httpbin=False)
            stack.start()
            try:
                refresher = stack.procs["refresher"]
                with stack.api() as api:
                    baseline = vm_hwm_kib(refresher.pid) / 1024
                    started = time.perf_counter()
                    r = api.post("/api/v1/sources", json={"slug": "h", "type": "openapi", "specUrl": files.url("/h.json"),
                                                          "baseUrl": "http://127.0.0.1:9"})
                    assert r.status_code == 201, r.text
                    outcome, error = "timeout", ""
                    while time.perf_counter() - started < timeout:
                        src = api.get("/api/v1/sources/h").json()
                        if src["status"] in ("ready", "error"):
                            outcome, error = src["status"], src.get("lastError") or ""
                            break
                        if not refresher.alive():
                            outcome = "refresher died"
                            break
                        if vm_hwm_kib(refresher.pid) / 1024 > max_mib:
                            outcome = f"over {max_mib:.0f} MiB"
                            break
                        time.sleep(0.05)
                    wall = time.perf_counter() - started
                    peak = vm_hwm_kib(refresher.pid) / 1024 if refresher.alive() else float("nan")
            finally:
                stack.stop()
                files.close()
        named = expected in error
        results[label] = {"bytes": len(body), "outcome": outcome, "seconds": wall, "peakMiB": peak, "baselineMiB": baseline,
                          "error": error[:200], "namesLimit": named}
        print(f"{label:44} {len(body) / 1e6:6.2f} MB  {outcome:8} after {wall:7.2f} s  refresher peak {peak:6.0f} MiB  "
              f"{'[' + expected + ']' if named else ''}  {error[:110]}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=3, help="runs per spec; the best is reported")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--hostile", action="store_true", help="time the refusal of each hostile document instead")
    parser.add_argument("--hostile-timeout", type=float, default=180)
    parser.add_argument("--hostile-max-mib", type=float, default=6000)
    parser.add_argument("--hostile-from", type=int, default=0, help="skip the first N hostile documents")
    args = parser.parse_args()
    if args.hostile:
        results = hostile(args.hostile_timeout, args.hostile_max_mib, args.hostile_from)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]

    docs: dict[str, bytes] = {
        "/kubernetes.json": (SPECS / "kubernetes.swagger.json").read_bytes(),
        "/airflow.yaml": (SPECS / "airflow-v2.openapi31.yaml").read_bytes(),
        "/docker.yaml": (SPECS / "docker-engine.swagger.yaml").read_bytes(),
        "/gitea.json": (SPECS / "gitea.swagger.json").read_bytes(),
        "/httpbin.json": (SPECS / "httpbin.swagger.json").read_bytes(),
    }
    for n in sizes:
        docs[f"/gen{n}.json"] = generated_spec(n)
    files = DocServer(docs)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="junction-bench-index-") as tmp:
        stack = Stack(workdir=Path(tmp), with_httpbin=False,
                      extra_env={"JUNCTION_SPEC_MAX_BYTES": str(512 * 1024 * 1024), "JUNCTION_LOG_LEVEL": "info"})
        stack.start()
        try:
            with stack.api() as api:
                names = ["kubernetes.json", "airflow.yaml", "docker.yaml", "gitea.json", "httpbin.json"] + [f"gen{n}.json" for n in sizes]
                for name in names:
                    runs = []
                    for i in range(args.runs):
                        slug = re.sub(r"[^a-z0-9]", "_", name.split(".")[0].lower()) + f"_r{i}"
                        runs.append(index_once(stack, api, slug, f"{files.url('/' + name)}"))
                        api.delete(f"/api/v1/sources/{slug}")
                    best = min(runs, key=lambda r: r["wallS"])
                    best["peakMiB"] = max(r["peakMiB"] for r in runs)
                    best["bytes"] = len(docs["/" + name])
                    results[name] = best
                    print(f"{name:18} {best['operations']:>6} ops  {best['bytes'] / 1e6:7.1f} MB  "
                          f"POST→ready {best['wallS'] * 1000:8.0f} ms  (fetch {best['fetchMs']} ms, parse+index {best['parseIndexMs']} ms)  "
                          f"refresher peak {best['peakMiB']:6.0f} MiB", flush=True)
        finally:
            stack.stop()
            files.close()

    peer = fastmcp(SPECS / "airflow-v2.openapi31.yaml")
    results["fastmcp_airflow"] = peer
    if peer and "seconds" in peer:
        ours = results["airflow.yaml"]["wallS"]
        ratio = peer["seconds"] / ours
        results["ratio_airflow"] = ratio
        print(f"FastMCP.from_openapi airflow: {peer['tools']} tools in {peer['seconds'] * 1000:.0f} ms "
              f"(peak {peer['peakMiB']:.0f} MiB)  →  Junction is {ratio:.1f}× faster (POST→ready vs YAML load + import)")
    else:
        print(f"FastMCP: {peer}")
    if sizes:
        per_op = {n: results[f"gen{n}.json"]["wallS"] / n * 1e6 for n in sizes}
        print("µs per operation (generated): " + ", ".join(f"{n}: {v:.0f}" for n, v in per_op.items()))
    k = results["kubernetes.json"]
    print(f"targets: kubernetes < 2 s: {'yes' if k['wallS'] < 2 else 'NO'} ({k['wallS']:.2f} s); "
          f"< 300 MB peak: {'yes' if k['peakMiB'] < 300 else 'NO'} ({k['peakMiB']:.0f} MiB); "
          f"≥ 5× FastMCP: {'yes' if results.get('ratio_airflow', 0) >= 5 else 'NO'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
