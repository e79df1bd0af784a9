import Catalog
import Foundation
import JunctionCore
import XCTest

/// Signatures and declarations: what is cut keeps its kind (`string`, `{…}`), `unknown`
/// only where a schema states no type, and an abbreviated rendering says where the rest is.
final class TypeScriptGeneratorTests: XCTestCase {
    private let deep: JSONValue = [
        "type": "object", "required": ["params"],
        "properties": [
            "params": ["type": "object", "required": ["id"], "properties": ["id": ["type": "string"]]],
            "body": ["type": "object", "properties": [
                "owner": ["type": "object", "properties": ["login": ["type": "string"], "address": ["type": "object", "properties": ["city": ["type": "string"]]]]],
                "labels": ["type": "array", "items": ["type": "object", "properties": ["name": ["type": "string"]]]],
                "count": ["type": "integer"],
            ]],
        ],
    ]

    func testSearchHitsAbbreviateObjectsAndSayWhereTheRestIs() {
        let signature = TypeScriptGenerator.searchHit.signature(callName: "gh_update", input: deep, output: deep, isOperation: true)
        XCTAssertFalse(signature.contains("unknown"), signature)
        XCTAssertTrue(signature.contains("owner?: { address?: {…}; login?: string; }"), signature)
        XCTAssertTrue(signature.contains("labels?: {…}[]"), signature)
        XCTAssertTrue(signature.hasSuffix("// {…} abbreviated: codemode.describe(\"gh_update\") has the rest"), signature)
        XCTAssertFalse(signature.contains("\n"))

        let flat: JSONValue = ["type": "object", "properties": ["q": ["type": "string"]]]
        let plain = TypeScriptGenerator.searchHit.signature(callName: "s_find", input: flat, output: flat, isOperation: false)
        XCTAssertEqual(plain, "s_find(input?: { q?: string; }): Promise<{ q?: string; }>")
    }

    func testScalarsPastTheDepthKeepTheirType() {
        var g = TypeScriptGenerator.searchHit
        g.maxDepth = 0
        let schema: JSONValue = ["type": "object", "properties": [
            "a": ["type": "string"], "b": ["type": ["integer", "null"]], "c": ["enum": ["x", "y"]], "d": ["type": "array", "items": ["type": "boolean"]],
            "e": ["oneOf": [["type": "string"], ["type": "number"]]], "f": ["type": "array", "items": ["type": "array", "items": ["properties": ["z": [:]]]]],
            "g": [:], "h": ["anyOf": [["type": "string"], ["type": "null"]]],
        ]]
        let s = g.signature(callName: "x", input: schema, output: nil, isOperation: false)
        for expected in ["a?: string", "b?: number | null", "c?: \"x\" | \"y\"", "d?: boolean[]", "e?: number | string", "f?: {…}[][]", "g?: unknown",
                         "h?: string | null"] {
            XCTAssertTrue(s.contains(expected), "\(expected) in \(s)")
        }
        // OpenAPI 3.1 nullables within the bounds too.
        let full = TypeScriptGenerator.searchHit.signature(callName: "x", input: schema, output: nil, isOperation: false)
        XCTAssertTrue(full.contains("h?: string | null;"), full)
    }

    func testReferencesCutByInliningShowTheirKind() {
        let schema: JSONValue = ["type": "object", "properties": [
            "pet": ["$ref": "#/components/schemas/Pet", "type": "object", "description": "see Pet"],
            "status": ["$ref": "#/components/schemas/Status", "type": "string"],
            "pets": ["$ref": "#/components/schemas/Pets", "type": "array", "items": ["type": "object"]],
            "either": ["$ref": "#/components/schemas/Either", "type": ["string", "integer"]],
            "opaque": ["$ref": "https://example.com/x.json"],
        ]]
        let s = TypeScriptGenerator.searchHit.signature(callName: "p", input: schema, output: nil, isOperation: false)
        for expected in ["pet?: {…}", "status?: string", "pets?: {…}[]", "either?: string | number", "opaque?: {…}"] {
            XCTAssertTrue(s.contains(expected), "\(expected) in \(s)")
        }
        XCTAssertFalse(s.components(separatedBy: "): Promise<")[0].contains("unknown"), s)
        let full = TypeScriptGenerator().declaration(callName: "p", title: "t", description: "", input: schema, output: nil, isOperation: false)
        XCTAssertTrue(full.contains("pet?: {…} /* Pet */;"), full)
        XCTAssertTrue(full.contains("{…} marks types abbreviated here"), full)
    }

    func testLocalDefinitionsOfToolSchemasAreResolved() {
        // MCP tools (pydantic models) keep nested types in `$defs`.
        let input: JSONValue = ["type": "object", "required": ["address"], "properties": ["address": ["$ref": "#/$defs/Address"]],
                                "$defs": ["Address": ["type": "object", "properties": ["street": ["type": "string"], "self": ["$ref": "#"]]]]]
        let s = TypeScriptGenerator.searchHit.signature(callName: "t_geo", input: input, output: nil, isOperation: false)
        XCTAssertTrue(s.hasPrefix("t_geo(input: { address: { self?: {…}; street?: string; }; }): Promise<unknown>"), s)
    }

    func testWideAndRecursiveSchemasStayBounded() {
        // 40 properties of 40 properties of 40 …: 2.5 million nodes within maxDepth.
        var level: JSONValue = ["type": "string"]
        for _ in 0..<4 {
            level = .object(["type": "object", "properties": .object(Dictionary(uniqueKeysWithValues: (0..<40).map { ("p\($0)", level) }))])
        }
        let started = ContinuousClock.now
        let declaration = TypeScriptGenerator().declaration(callName: "w", title: "", description: "", input: level, output: level, isOperation: true)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertLessThan(declaration.count, 200_000)
        XCTAssertTrue(declaration.contains("{…}"))
        let signature = TypeScriptGenerator.searchHit.signature(callName: "w", input: level, output: level, isOperation: true)
        XCTAssertLessThan(signature.count, 6000)
        XCTAssertTrue(signature.contains("…28 more"), signature)
    }
}
