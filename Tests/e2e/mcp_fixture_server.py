"""An upstream MCP server for Junction's tests, built on FastMCP.

    python mcp_fixture_server.py --transport http|sse --port N [--token T] [--sdk]

Tools cover every result shape Junction maps (structured, JSON text, plain text,
image, embedded resource, isError, progress notifications, a 10 MB answer, a hang,
paging). `--sdk` serves the same tools through the official SDK's MCPServer
instead of FastMCP. `--token T` requires `Authorization: Bearer T` (FastMCP's
StaticTokenVerifier). `--page-size N` makes tools/list return N tools per page.
GET /stats (FastMCP only) reports how many initialize / server/discover requests
were seen, so tests can check that sessions are reused; GET /traceparents the W3C
`traceparent` header of every tools/call (None where it had none).
"""



import argparse
import asyncio
import base64
import json

COUNTS = {"initialize": 0, "server/discover": 0, "tools/call": 0, "tools/list": 0}
TRACEPARENTS: list = []


def add_tools(mcp, Context) -> None:
    @mcp.tool(annotations={"readOnlyHint": True, "idempotentHint": True})
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @mcp.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return text

    @mcp.tool()
    def json_text() -> str:
        """Returns JSON as text."""
        return json.dumps({"kind": "json-text", "items": [1, 2, 3]})

    @mcp.tool()
    def weather(city: str) -> dict:
        """Structured weather for a city."""
        return {"city": city, "tempC": 21.5}

    @mcp.tool(annotations={"destructiveHint": True})
    def fail(message: str) -> str:
        """Always fails with the message."""
        raise ValueError(message)

    @mcp.tool()
    def pixel() -> list:
        """A 1x1 PNG and a caption."""
        from mcp.types import ImageContent, TextContent
        png = base64.b64encode(bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()
        return [TextContent(type="text", text="a pixel"), ImageContent(type="image", data=png, mimeType="image/png")]

    @mcp.tool()
    def doc() -> list:
        """An embedded text resource."""
        from mcp.types import EmbeddedResource, TextResourceContents
        return [EmbeddedResource(type="resource", resource=TextResourceContents(uri="file:///notes.txt", mimeType="text/plain", text="hello notes"))]

    @mcp.tool()
    async def slow_progress(steps: int, ctx: Context) -> str:
        """Reports progress, then answers."""
        for i in range(steps):
            await ctx.report_progress(i, steps)
            await ctx.info(f"step {i}")
            await asyncio.sleep(0.05)
        return f"done after {steps} steps"

    @mcp.tool()
    async def hang(seconds: float) -> str:
        """Sleeps (longer than any timeout)."""
        await asyncio.sleep(seconds)
        return "woke up"

    @mcp.tool()
    def huge(megabytes: int) -> str:
        """A text answer of the given size."""
        return "x" * (megabytes * 1024 * 1024)

    for i in range(7):
        def make(i=i):
            def filler() -> int:
                return i
            filler.__name__ = f"filler_{i}"
            filler.__doc__ = f"Filler tool {i} (pagination)."
            return filler
        mcp.tool()(make())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transport", default="http")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token")
    ap.add_argument("--sdk", action="store_true")
    ap.add_argument("--page-size", type=int)
    args = ap.parse_args()

    if args.sdk:
        from mcp.server.mcpserver import Context, MCPServer
        server = MCPServer("junction-fixture-sdk")
        add_tools(server, Context)
        server.run("streamable-http" if args.transport == "http" else "sse", host="127.0.0.1", port=args.port)
        return

    from fastmcp import Context, FastMCP
    auth = None
    if args.token:
        from fastmcp.server.auth.providers.jwt import StaticTokenVerifier
        auth = StaticTokenVerifier(tokens={args.token: {"client_id": "junction-test", "scopes": []}})
    mcp = FastMCP("junction-fixture", auth=auth)
    add_tools(mcp, Context)
    if args.page_size:
        mcp._list_page_size = args.page_size  # best effort; see test
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    @mcp.custom_route("/stats", methods=["GET"])
    async def stats(_: Request) -> JSONResponse:
        return JSONResponse(COUNTS)

    @mcp.custom_route("/traceparents", methods=["GET"])
    async def traceparents(_: Request) -> JSONResponse:
        return JSONResponse(TRACEPARENTS)

    app = mcp.http_app(transport="http" if args.transport == "http" else "sse")

    async def counting(scope, receive, send):
        # Count JSON-RPC methods as they arrive, without consuming the body for the app.
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            method = json.loads(body).get("method")
            if method in COUNTS:
                COUNTS[method] += 1
            if method == "tools/call":
                headers = dict(scope.get("headers") or [])
                parent = headers.get(b"traceparent")
                TRACEPARENTS.append(parent.decode("latin-1") if parent is not None else None)
        except Exception:
            pass
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await app(scope, replay, send)

    import uvicorn
    uvicorn.run(counting, host="127.0.0.1", port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
