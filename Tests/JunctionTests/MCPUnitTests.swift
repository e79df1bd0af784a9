import Catalog
import Foundation
import JunctionCore
import Upstream
import Worker
import XCTest

/// The pure parts of the MCP client: SSE framing, JSON-RPC classification, result
/// mapping, catalog drafts and header encoding.
final class MCPUnitTests: XCTestCase {
    func testSSEParserHandlesLineEndingsCommentsAndMultilineData() {
        var p = SSEParser()
        var out = p.feed(Array(": keep-alive\r\nevent: endpoint\r\ndata: /messages?x=1\r\n\r\n".utf8))
        XCTAssertEqual(out, [.event(.init(event: "endpoint", data: "/messages?x=1"))])
        out = p.feed(Array("data: a\ndata:b\rid: 7\r\r".utf8))
        XCTAssertEqual(out, [.event(.init(event: "message", data: "a\nb", id: "7"))])
        // Split across chunks at every byte, including between CR and LF.
        let text = Array("event: message\r\ndata: {\"x\":1}\r\n\r\n".utf8)
        var q = SSEParser()
        var events: [SSEParser.Output] = []
        for b in text { events += q.feed([b]) }
        XCTAssertEqual(events, [.event(.init(data: "{\"x\":1}"))])
    }

    func testSSEParserDropsUnfinishedEventAndCapsSize() {
        var p = SSEParser(maxEventBytes: 16)
        XCTAssertEqual(p.feed(Array("data: 0123456789abcdefghij\n\n".utf8)), [.oversized(bytes: 26)])
        XCTAssertEqual(p.feed(Array("data: ok\n\n".utf8)), [.event(.init(data: "ok"))])
        XCTAssertEqual(p.feed(Array("data: partial".utf8)), [])
        XCTAssertEqual(p.finish(), [])
        var q = SSEParser(maxEventBytes: 8)
        _ = q.feed(Array("data: 123456789012".utf8))
        XCTAssertEqual(q.finish(), [.oversized(bytes: 18)])
    }

    func testJSONRPCClassification() throws {
        XCTAssertEqual(JSONRPCMessage(try JSONValue.parse(#"{"jsonrpc":"2.0","id":3,"result":{}}"#))?.responseID, .number(3))
        guard case .error(nil, -32022, _, _)? = JSONRPCMessage(try JSONValue.parse(#"{"jsonrpc":"2.0","error":{"code":-32022,"message":"v"}}"#)) else {
            return XCTFail("error without id")
        }
        guard case .notification("notifications/progress", _)? = JSONRPCMessage(try JSONValue.parse(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#)) else {
            return XCTFail("notification")
        }
        XCTAssertNil(JSONRPCMessage(.string("x")))
    }

    func testToolResultMapping() throws {
        func map(_ json: String) throws -> JSONValue { try MCPToolResult.value(of: try JSONValue.parse(json), tool: "t") }
        XCTAssertEqual(try map(#"{"content":[{"type":"text","text":"{\"a\":1}"}],"structuredContent":{"b":2}}"#), ["b": 2])
        XCTAssertEqual(try map(#"{"content":[{"type":"text","text":" {\"a\":1} "}]}"#), ["a": 1])
        XCTAssertEqual(try map(#"{"content":[{"type":"text","text":"plain"}]}"#), "plain")
        XCTAssertEqual(try map(#"{"content":[{"type":"text","text":"42"}]}"#), "42")
        XCTAssertEqual(try map(#"{"content":[]}"#), .null)
        // Issue 13: binary blocks reach the code as handles (bytes kept on the host), see RunAttachmentsTests.
        let pixel = try map(#"{"content":[{"type":"text","text":"x"},{"type":"image","data":"AAA=","mimeType":"image/png","annotations":{}}]}"#)
        XCTAssertEqual(pixel.arrayValue?[0], "x")
        XCTAssertEqual(pixel.arrayValue?[1]["type"], "image")
        XCTAssertEqual(pixel.arrayValue?[1]["bytes"], 2)
        XCTAssertNil(pixel.arrayValue?[1]["data"])
        let blob = try map(#"{"content":[{"type":"resource","resource":{"uri":"file:///a","blob":"AA==","mimeType":"x/y"}}]}"#)
        XCTAssertEqual(blob["uri"], "file:///a")
        XCTAssertEqual(blob["bytes"], 1)
        XCTAssertNil(blob["blob"])
        XCTAssertThrowsError(try map(#"{"isError":true,"content":[{"type":"text","text":"nope"}]}"#)) { error in
            XCTAssertEqual((error as? JunctionError)?.code, "tool_error")
            XCTAssertTrue((error as? JunctionError)?.message.contains("nope") == true)
        }
    }

    func testToolDraftsKeepSchemasAndAnnotations() throws {
        let tools = try JSONValue.parse(#"""
        [{"name":"get_x","title":"Get X","description":"d","inputSchema":{"type":"object","properties":{"id":{"type":"string"}}},
          "outputSchema":{"type":"object"},"annotations":{"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}},
         {"name":"get_x","inputSchema":{"type":"object"}}, {"name":"rm","annotations":{"destructiveHint":true}}]
        """#).arrayValue!
        let drafts = MCPToolIndexer.drafts(tools)
        XCTAssertEqual(drafts.map(\.operationKey), ["get_x", "rm"])
        XCTAssertEqual(drafts[0].kind, .tool)
        XCTAssertEqual(drafts[0].title, "Get X")
        XCTAssertEqual(drafts[0].parameterNames, ["id"])
        XCTAssertEqual(drafts[0].outputSchema, ["type": "object"])
        XCTAssertTrue(drafts[0].hints.contains { $0.hasPrefix("@readOnly") })
        XCTAssertTrue(drafts[0].hints.contains { $0.hasPrefix("@idempotent") })
        XCTAssertTrue(drafts[0].hints.contains { $0.hasPrefix("@closedWorld") })
        XCTAssertEqual(drafts[1].inputSchema, ["type": "object"])
        XCTAssertTrue(drafts[1].hints.contains { $0.hasPrefix("@destructive") })
    }

    func testHeaderValuesAndParameterHeaders() throws {
        XCTAssertEqual(MCPProtocol.headerValue("get_weather"), "get_weather")
        XCTAssertEqual(MCPProtocol.headerValue("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=")
        XCTAssertEqual(MCPProtocol.headerValue(" padded "), "=?base64?IHBhZGRlZCA=?=")
        XCTAssertEqual(MCPProtocol.headerValue("=?base64?literal?="), "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=")
        let schema = try JSONValue.parse(#"{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},"n":{"type":"integer","x-mcp-header":"N"},"q":{"type":"string"},"bad":{"type":"string","x-mcp-header":"a b"}}}"#)
        let headers = MCPProtocol.parameterHeaders(schema: schema, arguments: ["region": "us-west1", "n": 42, "q": "x", "bad": "y"])
        XCTAssertEqual(headers.map { "\($0.0)=\($0.1)" }, ["Mcp-Param-N=42", "Mcp-Param-Region=us-west1"])
    }

    func testCredentialsOnlyForTheSourceOrigin() {
        let creds = MCPCredentials(headers: [("Authorization", "Bearer t")], for: URL(string: "http://127.0.0.1:8000/mcp")!)
        XCTAssertEqual(creds.headers(for: URL(string: "http://127.0.0.1:8000/messages?s=1")!).count, 1)
        XCTAssertEqual(creds.headers(for: URL(string: "http://127.0.0.1:8001/mcp")!).count, 0)
        XCTAssertEqual(creds.headers(for: URL(string: "https://127.0.0.1:8000/mcp")!).count, 0)
    }
}
