import Catalog
import Foundation
import JunctionCore
import XCTest

/// Indexing rules on small hand-written specs, and hostile documents.
final class OpenAPIIndexerTests: XCTestCase {
    private func index(_ json: JSONValue, specURL: String = "https://api.example.com/openapi.json") throws -> OpenAPIIndex {
        try OpenAPIIndexer().index(try OpenAPIDocument(value: json), specURL: URL(string: specURL))
    }

    private func index(yaml: String) throws -> OpenAPIIndex {
        try OpenAPIIndexer().index(try OpenAPIDocument(data: Data(yaml.utf8)), specURL: URL(string: "https://api.example.com/spec.yaml"))
    }

    private func expectInvalid(_ text: String, containing fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try OpenAPIIndexer().index(try OpenAPIDocument(data: Data(text.utf8)), specURL: nil), file: file, line: line) { error in
            let e = error as? any CodedError
            XCTAssertEqual(e?.code, "invalid_spec", "\(error)", file: file, line: line)
            XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(error)", file: file, line: line)
        }
    }

    func testAllEightMethodsAndNames() throws {
        var item: [String: JSONValue] = [:]
        for m in OpenAPIIndexer.methods { item[m] = ["responses": ["200": ["description": "ok"]]] }
        item["get"] = ["operationId": "listThings", "deprecated": true, "tags": ["things"], "summary": "List things",
                       "responses": ["200": ["description": "ok"]]]
        let result = try index(["openapi": "3.0.3", "info": ["title": "t", "version": "1"], "paths": ["/things": .object(item)]])
        XCTAssertEqual(Set(result.drafts.compactMap(\.method)), ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"])
        let get = try XCTUnwrap(result.drafts.first { $0.method == "GET" })
        XCTAssertEqual(get.nameHint, "listThings")
        XCTAssertTrue(get.deprecated)
        XCTAssertEqual(get.tags, ["things"])
        XCTAssertEqual(get.title, "List things")
        XCTAssertEqual(result.drafts.first { $0.method == "TRACE" }?.nameHint, "trace_/things")
        XCTAssertEqual(result.baseURL, "https://api.example.com")
    }

    func testParametersMergeRefsAndStyles() throws {
        let spec: JSONValue = [
            "openapi": "3.1.0", "info": ["title": "t", "version": "1"],
            "servers": [["url": "/v2"]],
            "paths": ["/pets/{petId}": [
                "parameters": [["$ref": "#/components/parameters/PetId"], ["name": "limit", "in": "query", "schema": ["type": "string"]]],
                "post": [
                    "parameters": [["name": "limit", "in": "query", "required": true, "schema": ["type": "integer"]],
                                   ["name": "tags", "in": "query", "style": "pipeDelimited", "explode": false, "schema": ["type": "array"]],
                                   ["name": "filter", "in": "query", "style": "deepObject", "schema": ["type": "object"]],
                                   ["name": "X-Trace", "in": "header", "schema": ["type": "string"]],
                                   ["name": "session", "in": "cookie", "schema": ["type": "string"]]],
                    "requestBody": ["$ref": "#/components/requestBodies/PetBody"],
                    "responses": ["201": ["$ref": "#/components/responses/Created"], "400": ["description": "bad"]],
                    "security": [["bearerAuth": []]],
                ],
            ]],
            "components": [
                "parameters": ["PetId": ["name": "petId", "in": "path", "required": true, "schema": ["type": "string"]]],
                "requestBodies": ["PetBody": ["required": true, "content": [
                    "application/xml": ["schema": ["type": "string"]],
                    "application/json": ["schema": ["$ref": "#/components/schemas/Pet"]]]]],
                "responses": ["Created": ["description": "made", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Pet"]]]]],
                "schemas": ["Pet": ["type": "object", "properties": ["name": ["type": "string"], "parent": ["$ref": "#/components/schemas/Pet"]]]],
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer"]],
            ],
        ]
        let result = try index(spec)
        let op = try XCTUnwrap(result.drafts.first)
        XCTAssertEqual(result.baseURL, "https://api.example.com/v2")
        let input = op.inputSchema
        XCTAssertEqual(input["properties"]?["query"]?["properties"]?["limit"]?["type"], "integer", "operation wins over path item")
        XCTAssertEqual(input["properties"]?["params"]?["required"], ["petId"])
        XCTAssertEqual(input["properties"]?["headers"]?["properties"]?["X-Trace"]?["type"], "string")
        XCTAssertEqual(input["properties"]?["cookies"]?["properties"]?["session"]?["type"], "string")
        XCTAssertEqual(Set(input["required"]?.arrayValue ?? []), ["body", "params", "query"])
        XCTAssertEqual(input["properties"]?["body"]?["properties"]?["name"]?["type"], "string")
        XCTAssertEqual(input["properties"]?["contentType"]?["enum"], ["application/json", "application/xml"])
        XCTAssertEqual(op.outputSchema?["properties"]?["name"]?["type"], "string")
        // The self-reference stays a finite reference.
        XCTAssertTrue(op.outputSchema?.jsonString().contains("#/components/schemas/Pet") ?? false)
        let params = op.details["parameters"]?.arrayValue ?? []
        func detail(_ name: String) -> JSONValue? { params.first { $0["name"]?.stringValue == name } }
        XCTAssertEqual(detail("tags")?["style"], "pipeDelimited")
        XCTAssertEqual(detail("tags")?["explode"], false)
        XCTAssertEqual(detail("limit")?["explode"], true)
        XCTAssertEqual(detail("filter")?["style"], "deepObject")
        XCTAssertEqual(op.details["securitySchemes"]?["bearerAuth"]?["scheme"], "bearer")
        XCTAssertEqual(op.details["contentTypes"]?.arrayValue?.first, "application/json")
    }

    func testSwaggerBaseURLFormsAndCollectionFormats() throws {
        let spec: JSONValue = [
            "swagger": "2.0", "info": ["title": "t", "version": "1"], "host": "api.example.org", "basePath": "/v1/",
            "schemes": ["http", "https"],
            "securityDefinitions": ["key": ["type": "apiKey", "in": "query", "name": "api_key"]], "security": [["key": []]],
            "paths": ["/a": ["get": [
                "parameters": [["name": "ids", "in": "query", "type": "array", "items": ["type": "string"]],
                               ["name": "multi", "in": "query", "type": "array", "collectionFormat": "multi"],
                               ["name": "ssv", "in": "query", "type": "array", "collectionFormat": "ssv"]],
                "responses": ["200": ["description": "ok", "schema": ["type": "string"]]]],
                "post": ["consumes": ["multipart/form-data"], "parameters": [
                    ["name": "file", "in": "formData", "type": "file", "required": true], ["name": "note", "in": "formData", "type": "string"]],
                         "responses": ["200": ["description": "ok"]]]]],
        ]
        let result = try index(spec)
        XCTAssertEqual(result.baseURL, "https://api.example.org/v1")
        let get = try XCTUnwrap(result.drafts.first { $0.method == "GET" })
        let params = get.details["parameters"]?.arrayValue ?? []
        XCTAssertEqual(params.first { $0["name"] == "ids" }?["explode"], false, "Swagger's default collectionFormat is csv")
        XCTAssertEqual(params.first { $0["name"] == "multi" }?["explode"], true)
        XCTAssertEqual(params.first { $0["name"] == "ssv" }?["style"], "spaceDelimited")
        XCTAssertEqual(get.details["securitySchemes"]?["key"]?["in"], "query")
        XCTAssertEqual(get.outputSchema, ["type": "string"])
        let post = try XCTUnwrap(result.drafts.first { $0.method == "POST" })
        XCTAssertEqual(post.details["contentTypes"], ["multipart/form-data"])
        XCTAssertEqual(post.inputSchema["properties"]?["body"]?["properties"]?["file"]?["required"], ["base64"])

        var noHost = spec.objectValue!
        noHost["host"] = nil
        noHost["schemes"] = nil
        XCTAssertEqual(try index(.object(noHost), specURL: "http://127.0.0.1:8080/spec.json").baseURL, "http://127.0.0.1:8080/v1")
    }

    func testServerVariablesAndOperationServers() throws {
        let spec: JSONValue = [
            "openapi": "3.0.0", "info": ["title": "t", "version": "1"],
            "servers": [["url": "https://{region}.example.com/{v}", "variables": ["region": ["default": "eu"], "v": ["default": "v3"]]]],
            "paths": ["/x": ["get": ["servers": [["url": "https://other.example.com"]], "responses": [:]], "put": ["responses": [:]]]],
        ]
        let result = try index(spec)
        XCTAssertEqual(result.baseURL, "https://eu.example.com/v3")
        XCTAssertEqual(result.drafts.first { $0.method == "GET" }?.details["baseUrl"], "https://other.example.com")
        XCTAssertEqual(result.drafts.first { $0.method == "PUT" }?.details["baseUrl"], "https://eu.example.com/v3")
        var noServers = spec.objectValue!
        noServers["servers"] = nil
        XCTAssertEqual(try index(.object(noServers)).baseURL, "https://api.example.com")
    }

    func testExternalAndDanglingRefsAreReportedNotFollowed() throws {
        let spec: JSONValue = [
            "openapi": "3.0.0", "info": ["title": "t", "version": "1"],
            "paths": ["/x": ["get": [
                "parameters": [["$ref": "https://evil.example.com/params.yaml#/P"], ["$ref": "#/components/parameters/Missing"]],
                "responses": ["200": ["description": "ok", "content": ["application/json": ["schema": ["$ref": "other.yaml#/Thing"]]]]]]]],
        ]
        let result = try index(spec)
        XCTAssertEqual(result.drafts.count, 1)
        let text = result.warnings.joined(separator: "\n")
        XCTAssertTrue(text.contains("external $ref not followed: https://evil.example.com/params.yaml#/P, other.yaml#/Thing"), text)
        XCTAssertTrue(text.contains("#/components/parameters/Missing"), text)
    }

    func testRefCycleOfParametersFailsCleanly() {
        let spec = #"""
        {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
         "paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}], "responses": {}}}},
         "components": {"parameters": {"A": {"$ref": "#/components/parameters/B"}, "B": {"$ref": "#/components/parameters/A"}}}}
        """#
        expectInvalid(spec, containing: "$ref cycle")
    }

    func testCircularSchemasStayFinite() throws {
        let spec: JSONValue = [
            "openapi": "3.0.0", "info": ["title": "t", "version": "1"],
            "paths": ["/x": ["post": ["requestBody": ["content": ["application/json": ["schema": ["$ref": "#/components/schemas/A"]]]],
                                      "responses": ["200": ["description": "ok", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/B"]]]]]]]],
            "components": ["schemas": [
                "A": ["type": "object", "properties": ["b": ["$ref": "#/components/schemas/B"], "self": ["$ref": "#/components/schemas/A"]]],
                "B": ["type": "array", "items": ["$ref": "#/components/schemas/A"]],
            ]],
        ]
        let draft = try XCTUnwrap(try index(spec).drafts.first)
        XCTAssertLessThan(draft.inputSchema.jsonString().count, 5000)
        XCTAssertLessThan(draft.outputSchema?.jsonString().count ?? 0, 5000)
    }

    func testHostileDocumentsFailCleanly() {
        expectInvalid(#"{"openapi": "3.0.0", "paths": {"/x": {"get": "#, containing: "not valid JSON")
        // Billion laughs: nine levels of ten aliases each would be 10^9 nodes.
        var bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].enumerated() {
            let prev = i == 0 ? "a" : ["b", "c", "d", "e", "f", "g", "h", "i"][i - 1]
            bomb += "\(name): &\(name) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ",") + "]\n"
        }
        bomb += "openapi: 3.0.0\npaths: {}\n"
        let started = ContinuousClock.now
        expectInvalid(bomb, containing: "alias expansion")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        expectInvalid(String(repeating: "[", count: 200_000), containing: "nests deeper")
        expectInvalid("openapi: 3.0.0\npaths:\n  x:\n  " + String(repeating: "- ", count: 100_000) + "a\n", containing: "nests deeper")
        expectInvalid("openapi: 3.0.0\npaths: {\n", containing: "nor valid YAML")
    }

    func testYamlScalarsAndMergeKeys() throws {
        let yaml = """
        openapi: 3.0.0
        info: {title: t, version: "1.0"}
        x-base: &base
          responses:
            '200': {description: ok}
        paths:
          /a:
            get:
              <<: *base
              operationId: getA
              parameters:
                - {name: n, in: query, schema: {type: integer, default: 10, maximum: 1e3}}
                - {name: flag, in: query, schema: {type: boolean, default: false}}
                - {name: when, in: query, schema: {type: string, example: 2024-01-01}}
        """
        let result = try index(yaml: yaml)
        let draft = try XCTUnwrap(result.drafts.first)
        XCTAssertEqual(draft.nameHint, "getA")
        let query = draft.inputSchema["properties"]?["query"]?["properties"]
        XCTAssertEqual(query?["n"]?["default"], 10)
        XCTAssertEqual(query?["n"]?["maximum"], 1000)
        XCTAssertEqual(query?["flag"]?["default"], false)
        XCTAssertEqual(query?["when"]?["example"], "2024-01-01")
    }
}
