import Foundation
import JunctionCore
import Upstream
import XCTest

/// The pure parts of the MCP client: SSE framing, JSON-RPC classification and header
/// encoding. (Result mapping is the worker's: MCPToolResultTests; catalog drafts of tool
/// lists are MCPToolIndexerTests.)
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
