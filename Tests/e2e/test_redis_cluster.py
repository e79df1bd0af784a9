"""The whole stack on a three-node Redis Cluster: REDIS_URL names one node and every
process finds the others. A source is registered (a refresh job through the refresher),
two users run `execute` (run slots, sessions, job streams, reply streams and the rate
limiter spread over the nodes), and the keys land on more than one node."""

from __future__ import annotations

import pytest

from helpers import as_json, create_source, find_call_name, mcp_client, run_code, wait_source
from stack import Stack, redis_command


@pytest.fixture(scope="module")
def cstack(tmp_path_factory: pytest.TempPathFactory):
    with Stack(workdir=tmp_path_factory.mktemp("junction-cluster"), redis_cluster=True, execute_timeout_ms=20000) as s:
        yield s


@pytest.mark.anyio
async def test_execute_runs_on_a_redis_cluster(cstack: Stack) -> None:
    with cstack.api() as api:
        create_source(api, cstack, "hbc")
        assert wait_source(api, "hbc")["status"] == "ready"

    async with mcp_client(cstack) as client:
        name = await find_call_name(client, "hbc", "GET", "/get", "get")
        payload = await run_code(client, "execute", f'async () => await codemode.{name}({{ query: {{ n: "1" }} }})')
        assert payload["result"]["status"] == 200, payload
        assert as_json(payload["result"]["body"])["args"] == {"n": "1"}

    for token in (cstack.token, cstack.admin_token("second-user@example.com")):
        async with mcp_client(cstack, token) as client:
            for n in range(3):
                payload = await run_code(client, "execute", f"async () => {n} * 7")
                assert payload["result"] == n * 7

    sizes = [redis_command(port, "DBSIZE") for port in cstack.redis_cluster_ports]
    assert sum(1 for size in sizes if size > 0) >= 2, f"keys per node: {sizes}"
    assert cstack.check_alive() == [], cstack.tails()
