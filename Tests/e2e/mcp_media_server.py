"""An upstream MCP server (FastMCP) whose tools answer with every non-text content kind.

    python mcp_media_server.py --port N

Images, audio, embedded blob and text resources, resource links, JSON text, and
structured content next to an image. The bytes are `payload(kind, size)`: the tests
import that function to check that what reaches the client is exactly what was sent.
"""

import argparse
import base64
import json
import random


def payload(kind: str, size: int) -> bytes:
    """Deterministic bytes that do not compress to anything recognisable."""
    return random.Random(f"{kind}:{size}").randbytes(size)


def b64(kind: str, size: int) -> str:
    return base64.b64encode(payload(kind, size)).decode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()

    from fastmcp import FastMCP
    from fastmcp.tools.base import ToolResult
    from mcp.types import (AudioContent, BlobResourceContents, EmbeddedResource, ImageContent, ResourceLink,
                           TextContent, TextResourceContents)

    mcp = FastMCP("junction-media-fixture")

    @mcp.tool()
    def snapshot(kilobytes: int = 2) -> list:
        """A PNG screenshot of the given size and a caption."""
        size = kilobytes * 1024
        return [TextContent(type="text", text=f"snapshot of {size} bytes"),
                ImageContent(type="image", data=b64("image", size), mimeType="image/png")]

    @mcp.tool()
    def recording() -> list:
        """A short WAV clip."""
        return [AudioContent(type="audio", data=b64("audio", 3000), mimeType="audio/wav")]

    @mcp.tool()
    def report() -> list:
        """A PDF as an embedded blob resource and its summary as an embedded text resource."""
        return [EmbeddedResource(type="resource", resource=BlobResourceContents(
                    uri="file:///report.pdf", mimeType="application/pdf", blob=b64("pdf", 5000))),
                EmbeddedResource(type="resource", resource=TextResourceContents(
                    uri="file:///summary.md", mimeType="text/markdown", text="# Summary\nAll good."))]

    @mcp.tool()
    def link() -> list:
        """A link to a file the server does not embed."""
        return [ResourceLink(type="resource_link", uri="https://files.example.com/big.pdf", name="big.pdf",
                             title="The big report", mimeType="application/pdf", size=123456)]

    # Content blocks, not `-> str`: FastMCP would wrap a str as structuredContent {result}.
    @mcp.tool()
    def stats() -> list:
        """Numbers as JSON text (no structured content)."""
        return [TextContent(type="text", text=json.dumps({"visits": 42, "pages": ["a", "b"]}))]

    @mcp.tool()
    def motd() -> list:
        """A plain text answer."""
        return [TextContent(type="text", text="hello, not JSON")]

    @mcp.tool()
    def chart() -> ToolResult:
        """Structured numbers and the chart drawn from them."""
        data = {"points": [1, 4, 9]}
        return ToolResult(content=[TextContent(type="text", text=json.dumps(data)),
                                   ImageContent(type="image", data=b64("chart", 800), mimeType="image/png")],
                          structured_content=data)

    import uvicorn
    uvicorn.run(mcp.http_app(transport="http"), host="127.0.0.1", port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
