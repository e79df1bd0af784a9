import Catalog
import Foundation
import JunctionCore
import XCTest

/// Hostile documents on the indexer: each is small to send and would be costly to index;
/// each must fail within seconds naming the limit it went over. Real specs stay well
/// inside the same limits.
final class IndexLimitsTests: XCTestCase {
    /// Not a speed target (the benchmarks measure speed): a guard that the budget cut the
    /// work off at all. Unbounded, these documents take hours; a debug build on a busy
    /// 2-core machine has taken 6 s to refuse the largest one.
    private static let quick: Duration = .seconds(30)

    private func doc(paths: JSONValue, schemas: JSONValue = [:], extra: [String: JSONValue] = [:]) -> JSONValue {
        var root: [String: JSONValue] = ["openapi": "3.0.3", "info": ["title": "hostile", "version": "1"],
                                         "servers": [["url": "https://api.example.com"]], "paths": paths,
                                         "components": ["schemas": schemas]]
        for (k, v) in extra { root[k] = v }
        return .object(root)
    }

    private func post(_ ref: String) -> JSONValue {
        let body: JSONValue = ["content": ["application/json": ["schema": ["$ref": .string(ref)]]]]
        return ["post": ["operationId": "boom", "requestBody": body,
                         "responses": ["200": ["description": "ok", "content": ["application/json": ["schema": ["$ref": .string(ref)]]]]]]]
    }

    /// Indexes `spec` (a value or raw bytes) and asserts a quick failure whose message names `limit`.
    private func expectRefused(_ spec: JSONValue? = nil, data: Data? = nil, limits: IndexLimits = .standard, naming limit: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        let started = ContinuousClock.now
        XCTAssertThrowsError(try {
            let document = try data.map { try OpenAPIDocument(data: $0, limits: limits) } ?? OpenAPIDocument(value: spec!)
            _ = try OpenAPIIndexer(limits: limits).index(document, specURL: nil)
        }(), file: file, line: line) { error in
            let message = (error as? any CodedError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains(limit), "expected \(limit) in: \(message)", file: file, line: line)
        }
        let took = ContinuousClock.now - started
        XCTAssertLessThan(took, Self.quick, "refusing took \(took)", file: file, line: line)
    }

    func testRefFanOutBombFailsAtTheNodeBudget() {
        // The reported document: 6 levels, each schema referencing the next 60 times (16 KB).
        var schemas: [String: JSONValue] = ["L5": ["type": "string"]]
        for level in 0..<5 {
            schemas["L\(level)"] = ["type": "object", "properties": .object(Dictionary(uniqueKeysWithValues: (0..<60).map {
                ("p\($0)", ["$ref": .string("#/components/schemas/L\(level + 1)")] as JSONValue)
            }))]
        }
        let spec = doc(paths: ["/boom": post("#/components/schemas/L0")], schemas: .object(schemas))
        XCTAssertLessThan(spec.jsonString().utf8.count, 20_000)
        expectRefused(spec, naming: "JUNCTION_INDEX_MAX_NODES")
    }

    func testRecursiveAndCompositeFanOutFail() {
        // A ring of mutually recursive schemas, 60 references each: never expanded twice
        // along one chain, yet 60^4 nodes deep into the ring.
        var ring: [String: JSONValue] = [:]
        for s in 0..<8 {
            ring["R\(s)"] = ["type": "object", "properties": .object(Dictionary(uniqueKeysWithValues: (0..<60).map {
                ("p\($0)", ["$ref": .string("#/components/schemas/R\((s + 1 + $0) % 8)")] as JSONValue)
            }))]
        }
        expectRefused(doc(paths: ["/boom": post("#/components/schemas/R0")], schemas: .object(ring)), naming: "JUNCTION_INDEX_MAX_NODES")
        // allOf / oneOf instead of properties.
        var composite: [String: JSONValue] = ["C4": ["type": "object", "properties": ["leaf": ["type": "integer"]]]]
        for level in 0..<4 {
            let refs = JSONValue.array(Array(repeating: ["$ref": .string("#/components/schemas/C\(level + 1)")], count: 40))
            composite["C\(level)"] = .object([level % 2 == 0 ? "allOf" : "oneOf": refs])
        }
        expectRefused(doc(paths: ["/boom": post("#/components/schemas/C0")], schemas: .object(composite)), naming: "JUNCTION_INDEX_MAX_NODES")
    }

    func testSharedSchemasParametersAndSecurityCountPerOperation() {
        // 4,096 nodes once, used by 4,000 operations.
        let leaf: JSONValue = ["type": "object", "properties": .object(Dictionary(uniqueKeysWithValues: (0..<16).map { ("f\($0)", ["type": "string"] as JSONValue) }))]
        let mid: JSONValue = ["type": "object", "properties": .object(Dictionary(uniqueKeysWithValues: (0..<16).map { ("m\($0)", ["$ref": "#/components/schemas/Leaf"] as JSONValue) }))]
        let top: JSONValue = ["type": "object", "properties": .object(Dictionary(uniqueKeysWithValues: (0..<16).map { ("t\($0)", ["$ref": "#/components/schemas/Mid"] as JSONValue) }))]
        let ops = Dictionary(uniqueKeysWithValues: (0..<4000).map { i -> (String, JSONValue) in
            ("/r\(i)", ["get": ["responses": ["200": ["description": "ok", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Top"]]]]]]])
        })
        expectRefused(doc(paths: .object(ops), schemas: ["Leaf": leaf, "Mid": mid, "Top": top]), naming: "JUNCTION_INDEX_MAX_NODES")

        // A path item with 2,000 parameters and 8 methods, which 3,000 paths reference.
        let params = JSONValue.array((0..<2000).map { ["name": .string("q\($0)"), "in": "query", "schema": ["type": "string"]] })
        var item: [String: JSONValue] = ["parameters": params]
        for m in OpenAPIIndexer.methods { item[m] = ["responses": [:]] }
        var paths: [String: JSONValue] = ["/base": .object(item)]
        for i in 0..<3000 { paths["/p\(i)"] = ["$ref": "#/paths/~1base"] }
        expectRefused(doc(paths: .object(paths)), naming: "JUNCTION_INDEX_MAX_")

        // 3,000 security schemes, all required by each of 3,000 operations.
        let schemes = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<3000).map { ("k\($0)", ["type": "apiKey", "in": "header", "name": .string("X-\($0)")] as JSONValue) }))
        let requirement: JSONValue = [.object(Dictionary(uniqueKeysWithValues: (0..<3000).map { ("k\($0)", [] as JSONValue) }))]
        let plain = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<3000).map { ("/s\($0)", ["get": ["responses": [:]]] as JSONValue) }))
        expectRefused(doc(paths: plain, extra: ["security": requirement, "components": ["securitySchemes": schemes]]), naming: "JUNCTION_INDEX_MAX_NODES")
    }

    func testHugeStringsAndEnumsCountBySize() {
        let big = String(repeating: "x", count: 4 << 20)
        let ops = Dictionary(uniqueKeysWithValues: (0..<1000).map { i -> (String, JSONValue) in
            ("/s\(i)", ["get": ["responses": ["200": ["description": "ok", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Big"]]]]]]])
        })
        expectRefused(doc(paths: .object(ops), schemas: ["Big": ["type": "string", "description": .string(big)]]), naming: "JUNCTION_INDEX_MAX_NODES")

        let values = JSONValue.array((0..<200_000).map { .string("v\($0)") })
        let enumOps = Dictionary(uniqueKeysWithValues: (0..<500).map { i -> (String, JSONValue) in
            ("/e\(i)", ["get": ["parameters": [["name": "e", "in": "query", "schema": ["$ref": "#/components/schemas/E"]]], "responses": [:]]])
        })
        expectRefused(doc(paths: .object(enumOps), schemas: ["E": ["type": "string", "enum": values]]), naming: "JUNCTION_INDEX_MAX_NODES")
    }

    func testTooManyOperationsFailBeforeIndexing() {
        let paths = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<60_000).map { ("/o\($0)", ["get": ["responses": [:]]] as JSONValue) }))
        expectRefused(doc(paths: paths), naming: "JUNCTION_INDEX_MAX_OPERATIONS")
        // Path items reached through $ref count too.
        var item: [String: JSONValue] = [:]
        for m in OpenAPIIndexer.methods { item[m] = ["responses": [:]] }
        var refd: [String: JSONValue] = ["/base": .object(item)]
        for i in 0..<200 { refd["/p\(i)"] = ["$ref": "#/paths/~1base"] }
        expectRefused(doc(paths: .object(refd)), limits: IndexLimits(maxNodes: 5_000_000, maxOperations: 1000), naming: "JUNCTION_INDEX_MAX_OPERATIONS")
    }

    func testYamlAliasesCountAgainstTheNodeLimit() {
        var yaml = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
        yaml += "x-leaf: &leaf {type: object, properties: {" + (0..<30).map { "f\($0): {type: string}" }.joined(separator: ", ") + "}}\n"
        yaml += "x-mid: &mid {type: object, properties: {" + (0..<30).map { "m\($0): *leaf" }.joined(separator: ", ") + "}}\npaths:\n"
        for i in 0..<3000 { yaml += "  /r\(i): {get: {responses: {'200': {description: ok, content: {application/json: {schema: *mid}}}}}}\n" }
        expectRefused(data: Data(yaml.utf8), naming: "JUNCTION_INDEX_MAX_NODES")
    }

    func testDeepSchemasAreCutNotRecursedInto() throws {
        // Four schemas nested ~470 levels each (just under the JSON parser's limit), chained
        // by $ref: inlined naively, 1,900 levels of recursion and a schema no parser reads back.
        var schemas: [String: JSONValue] = [:]
        for link in 0..<4 {
            var node: JSONValue = link < 3 ? ["$ref": .string("#/components/schemas/D\(link + 1)")] : ["type": "string"]
            for _ in 0..<234 { node = ["type": "object", "properties": ["x": node]] }
            schemas["D\(link)"] = node
        }
        let text = doc(paths: ["/boom": post("#/components/schemas/D0")], schemas: .object(schemas)).jsonString()
        let index = try OpenAPIIndexer().index(try OpenAPIDocument(data: Data(text.utf8)), specURL: nil)
        let stored = try XCTUnwrap(index.drafts.first).inputSchema.jsonString()
        XCTAssertNoThrow(try JSONValue.parse(Data(stored.utf8)), "a stored schema must parse again")
        XCTAssertTrue(stored.contains("nested deeper than"))
    }

    func testNonObjectRootsAndBadBytesAreClearErrors() {
        for (body, expected) in [("[1, 2]", "top level is not an object"), ("\"openapi\"", "top level is not an object"),
                                 ("42", "top level is not an object"), ("- openapi: 3.0.0\n", "top level is not an object")] {
            expectRefused(data: Data(body.utf8), naming: expected)
        }
        expectRefused(data: Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]), naming: "not valid JSON")
        expectRefused(data: Data("openapi: 3.0.0\ninfo: {title: ".utf8) + Data([0xC3, 0x28]) + Data("}\n".utf8), naming: "neither UTF-8 JSON nor YAML")
    }

    func testReferenceSpecsStayWellInsideTheLimits() throws {
        let dir = OpenAPIIndexTests.specs
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            let started = ContinuousClock.now
            let index = try OpenAPIIndexer().index(try OpenAPIDocument(data: data), specURL: URL(string: "https://example.com/spec"))
            let took = ContinuousClock.now - started
            print("\(file): \(index.drafts.count) operations, \(index.nodes) nodes, \(took)")
            XCTAssertLessThan(index.nodes, IndexLimits.standard.maxNodes / 4, file)
            // Real schemas are never cut for nesting, only for reference depth.
            let cut = index.drafts.filter { ($0.inputSchema.jsonString() + ($0.outputSchema?.jsonString() ?? "")).contains("nested deeper than") }
            XCTAssertEqual(cut.map(\.operationKey), [], file)
        }
    }
}
