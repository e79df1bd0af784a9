import Foundation
@testable import Frontend
import Hummingbird
import JunctionCore
import XCTest

/// The management API's description (`Resources/openapi*.yaml`) and its routes cannot drift:
/// every route registered under `/api/v1` is described (method and path), and every
/// described operation is a registered route.
final class OpenAPIRouteCoverageTests: XCTestCase {
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// `METHOD /path/{param}` of every operation in the document.
    static func described(_ doc: JSONValue) -> Set<String> {
        var out = Set<String>()
        for (path, item) in doc["paths"]?.objectValue ?? [:] {
            for method in (item.objectValue ?? [:]).keys where methods.contains(method) {
                out.insert("\(method.uppercased()) \(path)")
            }
        }
        return out
    }

    /// `METHOD /path/{param}` of every route the router serves under `/api/v1`.
    static func registered(_ router: Router<FrontendContext>) -> Set<String> {
        Set(router.routes.map { "\($0.method) \($0.path)" }.filter { $0.split(separator: " ")[1].hasPrefix("/api/v1/") })
    }

    func testEveryManagementRouteIsDescribedAndEveryDescribedOperationExists() async throws {
        let f = try await FrontendFixture()
        let router = try buildRouter(dependencies: f.dependencies)
        let registered = Self.registered(router)
        let described = Self.described(try OpenAPISpec.load())
        XCTAssertGreaterThanOrEqual(registered.count, 19, "the router lists its routes: \(registered.sorted())")
        XCTAssertEqual(registered.subtracting(described).sorted(), [], "routes without a description in Resources/openapi*.yaml")
        XCTAssertEqual(described.subtracting(registered).sorted(), [], "described operations without a route")
    }

    /// The check itself notices a route added without a description.
    func testARouteWithoutADescriptionIsNoticed() async throws {
        let f = try await FrontendFixture()
        let router = try buildRouter(dependencies: f.dependencies)
        router.get("/api/v1/undocumented/{id}") { _, _ in "x" }
        let missing = Self.registered(router).subtracting(Self.described(try OpenAPISpec.load()))
        XCTAssertEqual(missing, ["GET /api/v1/undocumented/{id}"])
    }

    /// The served document is the files merged: same JSON as `OpenAPISpec.load()`, and a key
    /// defined in two files is refused rather than silently overwritten.
    func testTheDocumentMergesItsFilesAndRefusesDuplicates() throws {
        XCTAssertEqual(try JSONValue.parse(OpenAPISpec.document), try OpenAPISpec.load())
        XCTAssertThrowsError(try OpenAPISpec.merge(["info": ["title": "a"]], ["info": ["title": "b"]], at: "openapi"))
        XCTAssertEqual(try OpenAPISpec.merge(["paths": ["/a": 1]], ["paths": ["/b": 2]], at: "x"), ["paths": ["/a": 1, "/b": 2]])
    }
}
