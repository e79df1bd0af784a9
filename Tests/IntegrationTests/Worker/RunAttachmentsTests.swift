import Foundation
@testable import Frontend
import JunctionCore
import Runs
@testable import Worker
import XCTest

/// Issue 13: images, audio and resources of MCP tool results stay on the host as a run's
/// attachments; the code gets handles; returned handles become MCP content blocks.
final class RunAttachmentsTests: XCTestCase {
    private let png = Data((0..<300).map { UInt8($0 % 256) }).base64EncodedString()

    private func result(_ blocks: String, structured: String? = nil) throws -> JSONValue {
        try JSONValue.parse(#"{"content":[\#(blocks)]\#(structured.map { #","structuredContent":\#($0)"# } ?? "")}"#)
    }

    func testBinaryBlocksBecomeSmallHandlesWithoutTheirBytes() throws {
        let store = RunAttachments()
        let value = try MCPToolResult.value(of: try result(#"""
            {"type":"text","text":"caption"},
            {"type":"image","data":"\#(png)","mimeType":"image/png","annotations":{"audience":["user"]}},
            {"type":"audio","data":"UklGRg==","mimeType":"audio/wav"},
            {"type":"resource","resource":{"uri":"file:///r.bin","blob":"AAEC","mimeType":"application/octet-stream"}},
            {"type":"resource","resource":{"uri":"file:///notes.txt","text":"hello notes","mimeType":"text/plain"}},
            {"type":"resource_link","uri":"https://example.com/a.pdf","name":"a.pdf","mimeType":"application/pdf","size":12}
            """#), tool: "t", attachments: store)
        let items = try XCTUnwrap(value.arrayValue)
        XCTAssertEqual(items.count, 6)
        XCTAssertEqual(items[0], "caption")
        XCTAssertEqual(items[1]["type"], "image")
        XCTAssertEqual(items[1]["mimeType"], "image/png")
        XCTAssertEqual(items[1]["bytes"], 300)
        XCTAssertEqual(items[2]["bytes"], 4)
        XCTAssertEqual(items[3]["bytes"], 3)
        XCTAssertEqual(items[4]["text"], "hello notes", "a text resource keeps its text for the code")
        XCTAssertEqual(items[5]["uri"], "https://example.com/a.pdf")
        XCTAssertEqual(items[5]["name"], "a.pdf")
        for item in items.dropFirst() {
            XCTAssertNotNil(item["ref"]?.stringValue, "\(item)")
            XCTAssertNil(item["data"])
            XCTAssertNil(item["blob"])
        }
        XCTAssertLessThan(value.jsonString().count, 800, "no base64 travels into the sandbox")
        XCTAssertFalse(value.jsonString().contains(png))
    }

    func testReturnedHandlesBecomeBlocksWithTheirBytesAndNotesSayWhere() throws {
        let store = RunAttachments()
        let image = try XCTUnwrap(store.keep(["type": "image", "data": .string(png), "mimeType": "image/png"]))
        let audio = try XCTUnwrap(store.keep(["type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"]))
        let doc = try XCTUnwrap(store.keep(["type": "resource", "resource": ["uri": "file:///n.txt", "text": "hi", "mimeType": "text/plain"]]))
        _ = store.keep(["type": "image", "data": "AAAA", "mimeType": "image/gif"]) // kept, never returned
        // Keys sorted: "a" (audio) before "b" (array with the image twice, then the doc).
        let code: JSONValue = ["b": [image, ["nested": image], doc], "a": audio, "n": 1]
        let (shown, blocks) = store.attach(to: code)
        XCTAssertEqual(blocks.count, 3, "one block per handle, the unreturned one stays behind")
        XCTAssertEqual(blocks[0], ["type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"])
        XCTAssertEqual(blocks[1], ["type": "image", "data": .string(png), "mimeType": "image/png"])
        XCTAssertEqual(blocks[2], ["type": "resource", "resource": ["uri": "file:///n.txt", "text": "hi", "mimeType": "text/plain"]])
        XCTAssertEqual(shown["a"]?["attached"], "content block 1 after this JSON text")
        XCTAssertEqual(shown["b"]?.arrayValue?[0]["attached"], "content block 2 after this JSON text")
        XCTAssertEqual(shown["b"]?.arrayValue?[1]["nested"]?["attached"], "content block 2 after this JSON text")
        XCTAssertEqual(shown["b"]?.arrayValue?[2]["attached"], "content block 3 after this JSON text")
        XCTAssertNil(shown["b"]?.arrayValue?[2]["text"], "the text travels in the block, not twice")
        XCTAssertEqual(shown["n"], 1)
        XCTAssertFalse(shown.jsonString().contains(png))
    }

    func testForeignAndForgedRefsAttachNothing() throws {
        let first = RunAttachments()
        let other = RunAttachments()
        let handle = try XCTUnwrap(first.keep(["type": "image", "data": "AAAA", "mimeType": "image/png"]))
        _ = other.keep(["type": "image", "data": "AAAA", "mimeType": "image/png"])
        let forged: JSONValue = ["type": "image", "ref": "att-0-1", "mimeType": "image/png", "data": "AAAA"]
        let (shown, blocks) = other.attach(to: [handle, forged])
        XCTAssertEqual(blocks, [], "another run's ref and a made-up one resolve to nothing")
        XCTAssertEqual(shown, [handle, forged])
        XCTAssertEqual(RunAttachments().attach(to: handle).blocks, [])
    }

    func testLimitsKeepNoMoreThanTheCountAndBytesAndSaySo() throws {
        let store = RunAttachments(limits: .init(maxCount: 2, maxBytes: 400))
        let a = try XCTUnwrap(store.keep(["type": "image", "data": .string(png), "mimeType": "image/png"]))
        let big = try XCTUnwrap(store.keep(["type": "image", "data": .string(png), "mimeType": "image/png"]))
        let small = try XCTUnwrap(store.keep(["type": "audio", "data": "AAAA", "mimeType": "audio/wav"]))
        let third = try XCTUnwrap(store.keep(["type": "audio", "data": "AAAA", "mimeType": "audio/wav"]))
        XCTAssertNotNil(a["ref"])
        XCTAssertNil(big["ref"])
        XCTAssertTrue(big["omitted"]?.stringValue?.contains("JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN") == true, "\(big)")
        XCTAssertEqual(big["bytes"], 300, "the code still learns what it missed")
        XCTAssertNotNil(small["ref"])
        XCTAssertNil(third["ref"])
        XCTAssertTrue(third["omitted"]?.stringValue?.contains("JUNCTION_MAX_ATTACHMENTS_PER_RUN") == true, "\(third)")
        XCTAssertEqual(store.attach(to: [a, big, small, third]).blocks.count, 2)
        let none = RunAttachments(limits: .init(maxCount: 0, maxBytes: 0))
        XCTAssertNotNil(none.keep(["type": "resource_link", "uri": "https://x", "name": "x"])?["omitted"])
    }

    func testBadBase64IsReportedAndMIMEStyleBase64IsNormalised() throws {
        let store = RunAttachments()
        let bad = try XCTUnwrap(store.keep(["type": "image", "data": "not base64!", "mimeType": "image/png"]))
        XCTAssertNotNil(bad["error"])
        XCTAssertNil(bad["ref"])
        let odd = Data(repeating: 7, count: 302).base64EncodedString()
        XCTAssertTrue(odd.hasSuffix("="))
        let wrapped = String(odd.prefix(76)) + "\r\n" + String(odd.dropFirst(76))
        let unpadded = String(odd.dropLast())
        for text in [wrapped, unpadded] {
            let h = try XCTUnwrap(store.keep(["type": "image", "data": .string(text), "mimeType": "image/png"]))
            XCTAssertEqual(h["bytes"], 302)
            XCTAssertEqual(store.attach(to: h).blocks.first?["data"], .string(odd))
        }
        XCTAssertNotNil(store.keep(["type": "resource", "resource": ["uri": "x:/y"]])?["error"])
        XCTAssertNil(store.keep(["type": "text", "text": "t"]))
    }

    func testStructuredContentIsKeptAndMediaNextToItIsNotDropped() throws {
        let plain = try MCPToolResult.value(of: try result(#"{"type":"text","text":"{\"a\":1}"}"#, structured: #"{"a":1}"#), tool: "t")
        XCTAssertEqual(plain, ["a": 1], "structuredContent is the value, as before")
        let store = RunAttachments()
        let withImage = try MCPToolResult.value(
            of: try result(#"{"type":"text","text":"{}"},{"type":"image","data":"AAAA","mimeType":"image/png"}"#, structured: #"{"a":1}"#),
            tool: "t", attachments: store)
        XCTAssertEqual(withImage["a"], 1)
        XCTAssertEqual(withImage["_content"]?.arrayValue?.count, 1)
        XCTAssertEqual(withImage["_content"]?.arrayValue?[0]["type"], "image")
        let scalar = try MCPToolResult.value(
            of: try result(#"{"type":"image","data":"AAAA","mimeType":"image/png"}"#, structured: "[1,2]"), tool: "t", attachments: store)
        XCTAssertEqual(scalar["result"], [1, 2])
        XCTAssertEqual(scalar["_content"]?.arrayValue?.count, 1)
        XCTAssertThrowsError(try MCPToolResult.value(
            of: try JSONValue.parse(#"{"isError":true,"content":[{"type":"text","text":"boom"},{"type":"image","data":"AAAA","mimeType":"image/png"}]}"#),
            tool: "t", attachments: store)) { error in
            XCTAssertEqual((error as? any CodedError)?.code, "tool_error")
        }
    }

    func testRunResultCarriesItsAttachmentsThroughTheReply() {
        let result = RunResult(isError: false, structured: ["result": 1], attachments: [["type": "image", "data": "AAAA", "mimeType": "image/png"]])
        XCTAssertEqual(RunResult(json: result.json), result)
        XCTAssertNil(RunResult(isError: false, structured: ["result": 1]).json["attachments"], "no key when nothing is attached")
    }

    func testContentBlocksMatchEachProtocolRevision() {
        let blocks: [JSONValue] = [
            ["type": "image", "data": "AAAA", "mimeType": "image/png"],
            ["type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"],
            ["type": "resource", "resource": ["uri": "file:///n.txt", "text": "hi"]],
            ["type": "resource_link", "uri": "https://example.com/a.pdf", "name": "a.pdf", "mimeType": "application/pdf"],
        ]
        let result = RunResult(isError: false, structured: ["result": "x"], attachments: blocks)
        for version in ["2026-07-28", "2025-11-25", "2025-06-18"] {
            let content = ToolResultContent.blocks(result, version: version).arrayValue ?? []
            XCTAssertEqual(content.first?["text"], .string(result.structured.jsonString()))
            XCTAssertEqual(Array(content.dropFirst()), blocks, version)
        }
        let march = ToolResultContent.blocks(result, version: "2025-03-26").arrayValue ?? []
        XCTAssertEqual(march[2], blocks[1], "2025-03-26 has audio")
        XCTAssertEqual(march[4]["type"], "text", "2025-03-26 has no resource_link")
        XCTAssertTrue(march[4]["text"]?.stringValue?.contains("https://example.com/a.pdf") == true)
        let sse = ToolResultContent.blocks(result, version: "2024-11-05").arrayValue ?? []
        XCTAssertEqual(sse.count, 5, "every block keeps its number")
        XCTAssertEqual(sse[1], blocks[0])
        XCTAssertEqual(sse[2], ["type": "resource", "resource": ["uri": "attachment:///2", "blob": "UklGRg==", "mimeType": "audio/wav"]],
                       "2024-11-05 has no audio: the clip travels as a blob resource")
        XCTAssertEqual(sse[4]["type"], "text")
    }
}
