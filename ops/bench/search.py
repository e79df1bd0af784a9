"""Catalog search benchmark: quality on the public query sets, and catalog() latency.

Quality: runs CatalogSearchQualityTests (Swift) with JUNCTION_SEARCH_REPORT set. That test
indexes the reference specs and the captured MCP tool lists through the real indexers into
a real SQLite store and ranks every query of Tests/Fixtures/search/queries.json (and the
second set, holdout.json) twice: with Junction's ranking (SQLiteStore.searchCatalog, what
codemode.catalog() returns) and with plain BM25 as FTS5 computes it over the same entries
(the ranking before issue 13). A query is a hit@k when one of the operations it wants is in
the top k; MRR is over the top 10.

Latency at 10,000 entries (the CRUD-shaped spec of ops/bench/bench.py): in process from the
same Swift test, and end to end inside a run through a real stack (bench.measure_catalog,
the measure ops/bench/run reports).

Run through ops/bench/search, which installs, builds and picks the Python.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
sys.path.insert(0, str(ROOT / "ops" / "bench"))


def run_quality() -> tuple[dict, dict, int]:
    with tempfile.TemporaryDirectory(prefix="junction-bench-search-") as tmp:
        report, latency = Path(tmp) / "report.json", Path(tmp) / "latency.json"
        env = dict(os.environ, JUNCTION_SEARCH_REPORT=str(report), JUNCTION_SEARCH_LATENCY_REPORT=str(latency))
        p = subprocess.run(["swift", "test", "-c", "debug", "--skip-build", "--filter", "CatalogSearchQualityTests"],
                           cwd=ROOT, env=env, capture_output=True, text=True)
        if not report.exists():
            sys.stderr.write(p.stdout[-4000:] + p.stderr[-4000:])
            raise SystemExit("the quality test wrote no report")
        failures = [line for line in p.stdout.splitlines() if ": error: " in line]
        for line in failures:
            print("floor not met: " + line.split(": error: ", 1)[1][:300], file=sys.stderr)
        return json.loads(report.read_text()), json.loads(latency.read_text()) if latency.exists() else {}, p.returncode


def pct(x: float) -> str:
    return f"{x * 100:5.1f}%"


def table(title: str, queries: int, junction: dict, bm25: dict) -> None:
    print(f"{title}: {queries} queries")
    print(f"  {'ranking':<38} {'hit@1':>7} {'hit@5':>7} {'MRR':>7}")
    for name, r in (("plain BM25 (FTS5 bm25, same entries)", bm25), ("Junction", junction)):
        a = r["all"]
        print(f"  {name:<38} {pct(a['hit1']):>7} {pct(a['hit5']):>7} {a['mrr']:7.3f}")


def breakdown(name: str, junction: dict, bm25: dict) -> None:
    keys = sorted(junction[name])
    cells = [f"{k} {pct(junction[name][k]['hit1']).strip()}/{pct(bm25[name][k]['hit1']).strip()}" for k in keys]
    print(f"  hit@1 by {name[2:].lower()} (Junction/BM25): " + ", ".join(cells))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end catalog() latency (no stack)")
    ap.add_argument("--e2e-only", action="store_true", help="only the end-to-end catalog() latency")
    ap.add_argument("--catalog-entries", type=int, default=10_000)
    ap.add_argument("--catalog-calls", type=int, default=300)
    ap.add_argument("--misses", action="store_true", help="list every query whose wanted operation is not first")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    config = os.environ.get("JUNCTION_BUILD", "debug")

    if args.e2e_only:
        report, latency, rc = None, {}, 0
    else:
        report, latency, rc = run_quality()
        print_quality(report, args.misses)
    results: dict = {"build": config, "quality": report, "in_process": latency}
    print(f"\ncatalog() latency at {args.catalog_entries} entries (target p99 < 5 ms):")
    if latency:
        print(f"  {'in process (searchCatalog, debug build)':<40} median {latency['median_ms']:6.2f} ms  p99 {latency['p99_ms']:6.2f} ms"
              f"  (index built in {latency['build_ms']:.0f} ms on the first call after a change)")
    if not args.no_e2e:
        from bench import measure_catalog  # noqa: E402
        from stack import Stack  # noqa: E402
        with tempfile.TemporaryDirectory(prefix="junction-bench-search-e2e-") as tmp:
            stack = Stack(workdir=Path(tmp), with_httpbin=False, extra_env={
                "JUNCTION_RATE_LIMIT_PER_SECOND": "1000000", "JUNCTION_RATE_LIMIT_BURST": "1000000"})
            stack.start()
            try:
                cat = measure_catalog(stack, args.catalog_entries, args.catalog_calls)
            finally:
                stack.stop()
        results["end_to_end"] = cat
        print(f"  {'end to end, catalog() in a run (' + config + ')':<40} median {cat['median_ms']:6.2f} ms  p99 {cat['p99_ms']:6.2f} ms"
              f"  (n={cat['calls']}, max {cat['max_ms']:.2f} ms: the first call builds the index; indexed in {cat['refresh_s']:.1f} s)")
    if config == "debug" and not args.no_e2e:
        print("\nnote: debug build; JUNCTION_BUILD=release ops/bench/search for representative latency")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return rc


def print_quality(report: dict, show_misses: bool) -> None:
    print(f"Catalog search over {report['entries']} entries of 7 sources (5 OpenAPI specs, 2 MCP servers)\n")
    table("public query set (Tests/Fixtures/search/queries.json)", report["queries"], report["junction"], report["bm25"])
    breakdown("bySource", report["junction"], report["bm25"])
    breakdown("byKind", report["junction"], report["bm25"])
    second = report["second"]
    print()
    table("second set (holdout.json, written mid-tuning, not tuned on)", second["queries"], second["junction"], second["bm25"])
    misses = report["junction"]["misses"]
    print(f"\nJunction, public set: {len(misses)} queries not first"
          + ("" if show_misses else " (--misses lists them)"))
    if show_misses:
        for m in misses + [dict(x, query="[second] " + x["query"]) for x in second["junction"]["misses"]]:
            rank = m["rank"] if m["rank"] is not None else "-"
            print(f"  rank {rank!s:>2}  {m['query']}  (wants {m['want']}; first: {m['top'][0] if m['top'] else '-'})")


if __name__ == "__main__":
    sys.exit(main())
