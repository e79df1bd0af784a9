import JunctionCore
@testable import Worker
import XCTest

/// How the worker maps an upstream tool's `CallToolResult` to what the code gets.
final class MCPToolResultTests: XCTestCase {
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
            XCTAssertEqual((error as? any CodedError)?.code, "tool_error")
            XCTAssertTrue((error as? any CodedError)?.message.contains("nope") == true)
        }
    }
}
