import Catalog
import JunctionCore
import XCTest

/// Catalog drafts made from an MCP server's tool list.
final class MCPToolIndexerTests: XCTestCase {
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
}
