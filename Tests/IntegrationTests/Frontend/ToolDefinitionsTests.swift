import Catalog
@testable import Frontend
import XCTest

/// The tools' descriptions name the search API the worker serves (`CatalogSearch.helpers`):
/// `search` declares each helper, and `execute` says they work there too.
final class ToolDefinitionsTests: XCTestCase {
    func testBothToolsNameEverySearchHelper() {
        for helper in CatalogSearch.helpers {
            XCTAssertTrue(ToolDefinitions.searchDescription.contains("\(helper)("), "search does not declare codemode.\(helper)")
            XCTAssertTrue(ToolDefinitions.executeDescription.contains("\(helper)("), "execute does not say codemode.\(helper) works there")
        }
    }
}
