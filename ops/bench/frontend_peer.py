"""The benchmark peer: a FastMCP server with two tools (the same names and input
schema as Junction's), stateless and answering JSON, so wrk can POST tools/list.

    .venv-fastmcp/bin/python ops/bench/frontend_peer.py PORT
"""

import sys

from fastmcp import FastMCP

mcp = FastMCP("peer")


@mcp.tool
def search(code: str) -> str:
    """Find the functions available to `execute`."""
    return code


@mcp.tool
def execute(code: str) -> str:
    """Run an async JavaScript/TypeScript function against the APIs."""
    return code


if __name__ == "__main__":
    mcp.run(transport="http", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            stateless_http=True, json_response=True)
