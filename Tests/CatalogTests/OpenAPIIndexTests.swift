import Catalog
import Foundation
import JunctionCore
import TestSupport
import XCTest

/// Indexing the real reference specs in ../shared/reference/openapi.
final class OpenAPIIndexTests: XCTestCase {
    static let specs = TestEnvironment.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/openapi")

    private func index(_ file: String) throws -> [CatalogEntryDraft] {
        let url = Self.specs.appendingPathComponent(file)
        let data = try Data(contentsOf: url)
        let result = try OpenAPIIndexer().index(try OpenAPIDocument(data: data), specURL: URL(string: "https://example.com/spec"))
        return result.drafts
    }

    func testHttpbinSwaggerIndexesEveryOperation() throws {
        let drafts = try index("httpbin.swagger.json")
        XCTAssertEqual(drafts.count, 78)
        XCTAssertEqual(Set(drafts.map(\.operationKey)).count, 78)
        let bearer = try XCTUnwrap(drafts.first { $0.operationKey == "GET /bearer" })
        XCTAssertEqual(bearer.method, "GET")
    }

    func testKubernetesIndexes1002Operations() throws {
        XCTAssertEqual(try index("kubernetes.swagger.json").count, 1002)
    }

    func testYamlSpecsIndex() throws {
        XCTAssertEqual(try index("docker-engine.swagger.yaml").count, 106)
        XCTAssertEqual(try index("airflow-v2.openapi31.yaml").count, 128)
    }

    func testGiteaIndexes() throws {
        let drafts = try index("gitea.swagger.json")
        XCTAssertGreaterThan(drafts.count, 140)
        XCTAssertLessThan(drafts.count, 200)
    }

    func testEveryReferenceSpecIndexesWithoutWarnings() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.specs.path).sorted() {
            let data = try Data(contentsOf: Self.specs.appendingPathComponent(file))
            let result = try OpenAPIIndexer().index(try OpenAPIDocument(data: data), specURL: URL(string: "https://example.com/spec"))
            XCTAssertFalse(result.drafts.isEmpty, file)
            XCTAssertEqual(Set(result.drafts.map(\.operationKey)).count, result.drafts.count, file)
            XCTAssertEqual(result.warnings, [], file)
        }
    }

    func testNonSpecsFailWithClearErrors() {
        for (body, expected) in [("<html><body>Not Found</body></html>", "HTML"), ("{\"openapi\": ", "not valid JSON"),
                                 ("{\"hello\": 1}", "not an OpenAPI spec"), ("- a\n- b", "not an OpenAPI document")] {
            XCTAssertThrowsError(try OpenAPIDocument(data: Data(body.utf8))) { error in
                let message = (error as? any CodedError)?.message ?? ""
                XCTAssertTrue(message.contains(expected), "\(body): \(message)")
            }
        }
    }
}
