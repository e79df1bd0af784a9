"""An OAuth-protected upstream MCP server for Junction's tests: FastMCP with its
InMemoryOAuthProvider (RFC 9728 metadata, RFC 8414 metadata, /register, an /authorize
that approves at once, /token with rotating refresh tokens, S256 only).

    python mcp_oauth_server.py --port N [--token-seconds S]

Test controls (not behind OAuth):
  POST /test/expire-access   forget every access token (the next call gets a 401)
  POST /test/revoke-refresh  forget every access and refresh token (refresh -> invalid_grant)
  GET  /test/stats           {"refreshes": n, "codeExchanges": n, "toolCalls": n, "registrations": n}
"""

import argparse

from fastmcp import FastMCP
from fastmcp.server.auth.auth import ClientRegistrationOptions
from fastmcp.server.auth.providers import in_memory
from fastmcp.server.auth.providers.in_memory import InMemoryOAuthProvider
from starlette.requests import Request
from starlette.responses import JSONResponse

STATS = {"refreshes": 0, "codeExchanges": 0, "toolCalls": 0, "registrations": 0}


class CountingProvider(InMemoryOAuthProvider):
    async def exchange_refresh_token(self, client, refresh_token, scopes):
        STATS["refreshes"] += 1
        return await super().exchange_refresh_token(client, refresh_token, scopes)

    async def exchange_authorization_code(self, client, authorization_code):
        STATS["codeExchanges"] += 1
        return await super().exchange_authorization_code(client, authorization_code)

    async def register_client(self, client_info):
        STATS["registrations"] += 1
        return await super().register_client(client_info)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-seconds", type=int, default=3600)
    args = parser.parse_args()
    # The provider reads this module constant whenever it issues an access token.
    in_memory.DEFAULT_ACCESS_TOKEN_EXPIRY_SECONDS = args.token_seconds
    base = f"http://127.0.0.1:{args.port}"
    provider = CountingProvider(base_url=base, client_registration_options=ClientRegistrationOptions(enabled=True))
    mcp = FastMCP("oauth-fixture", auth=provider)

    @mcp.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        STATS["toolCalls"] += 1
        return a + b

    @mcp.tool()
    def whoami() -> dict:
        """The OAuth client the call was made as."""
        from fastmcp.server.dependencies import get_access_token
        token = get_access_token()
        STATS["toolCalls"] += 1
        return {"clientId": token.client_id if token else None}

    @mcp.custom_route("/test/expire-access", methods=["POST"])
    async def expire_access(request: Request) -> JSONResponse:
        n = len(provider.access_tokens)
        provider.access_tokens.clear()
        return JSONResponse({"forgotten": n})

    @mcp.custom_route("/test/revoke-refresh", methods=["POST"])
    async def revoke_refresh(request: Request) -> JSONResponse:
        n = len(provider.refresh_tokens)
        provider.refresh_tokens.clear()
        provider.access_tokens.clear()
        return JSONResponse({"forgotten": n})

    @mcp.custom_route("/test/stats", methods=["GET"])
    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(STATS)

    mcp.run("http", host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
