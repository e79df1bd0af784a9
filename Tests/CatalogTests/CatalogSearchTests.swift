import Catalog
import JunctionCore
import XCTest

/// The one search API's shapes: what `codemode.catalog` and `GET /api/v1/catalog` show of
/// the same hit, and how each surface's query is read.
final class CatalogSearchTests: XCTestCase {
    private let hit = CatalogHit(callName: "pets_list", source: "pets", kind: "operation", title: "List pets",
                                 description: String(repeating: "d", count: 400), method: "get", path: "/pets",
                                 signature: "pets_list(): Promise<unknown>", matched: ["pets→pet"])

    func testCodemodeShowsAShortDescriptionAndNoRoute() {
        let json = CatalogSearch.codemodeHit(hit)
        XCTAssertEqual(json["description"]?.stringValue?.count, 300)
        XCTAssertNil(json["method"])
        XCTAssertEqual(json["matched"], ["pets→pet"])
    }

    func testAPIShowsTheWholeHit() {
        let body = CatalogSearch.apiResults([hit])
        XCTAssertEqual(body["count"], 1)
        let first = body["results"]?.arrayValue?.first
        XCTAssertEqual(first?["description"]?.stringValue?.count, 400)
        XCTAssertEqual(first?["method"], "get")
        XCTAssertEqual(first?["path"], "/pets")
    }

    func testQueriesOfEverySurfaceAreValidatedAlike() throws {
        XCTAssertEqual(try CatalogSearch.query(json: "pets"), CatalogQuery(text: "pets"))
        XCTAssertEqual(try CatalogSearch.query(parameters: ["q": "pets", "limit": "5"]), CatalogQuery(text: "pets", limit: 5))
        XCTAssertEqual(CatalogSearch.pageQuery(text: "pets", source: "x").limit, CatalogQuery.maxLimit)
        XCTAssertThrowsError(try CatalogSearch.query(json: ["match": "some"]))
        XCTAssertThrowsError(try CatalogSearch.query(parameters: ["limit": "0"]))
        XCTAssertEqual(try CatalogSearch.describedName(["name": "a_b"]), "a_b")
        XCTAssertThrowsError(try CatalogSearch.describedName(1))
    }
}
