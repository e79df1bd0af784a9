import Foundation
import JunctionCore
import XCTest

final class JSONValueTests: XCTestCase {
    func testSerializationIsValidSortedAndRoundTrips() throws {
        let value: JSONValue = [
            "z": 1, "a": [true, false, nil, .number(1.5), -3, .number(1e-7), 12_345_678_901],
            "text": "quote \" backslash \\ newline \n tab \t bell \u{07} slash / é 😀",
            "nested": ["b": ["c": "d"], "a": []], "empty": [:],
        ]
        let text = value.jsonString()
        XCTAssertTrue(text.hasPrefix("{\"a\":"), "keys are sorted: \(text)")
        XCTAssertTrue(text.contains("\\u0007"))
        XCTAssertEqual(try JSONValue.parse(text), value)
        // Foundation's parser accepts it too.
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(text.utf8)))
        XCTAssertEqual(JSONValue.number(.infinity).jsonString(), "null")
    }
}
