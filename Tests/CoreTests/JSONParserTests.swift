import Foundation
import JunctionCore
import XCTest

/// The hand-written parser must accept the JSON that Foundation's `JSONDecoder` accepts
/// and produce the same values; where Foundation is lenient (trailing commas) it follows
/// RFC 8259, and duplicate keys keep the last value, as `JSON.parse` does in the sandbox.
final class JSONParserTests: XCTestCase {
    private func foundation(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    func testValidDocumentsParseAsFoundationParsesThem() throws {
        let documents = [
            #"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"a":[1,2.5,-0.125,1e3,2E-2,-7e+1]}}}"#,
            #"  [true , false,null, "", "a\"b\\c\/d\b\f\n\r\t", "\u00e9\u20AC\ud83d\ude00 é 😀"]  "#,
            #""just a string""#, "42", "-0", "0.5", "123456789012345678901234567890", "1.7976931348623157e308", "5e-324",
            "{}", "[]", "[[[[]]]]", #"{"a":{"b":{"c":{}}}}"#, "\u{FEFF}{\"bom\":true}",
            #"{"big":9007199254740993,"neg":-9007199254740993,"frac":0.1,"exp":1.5e-10}"#,
        ]
        for text in documents {
            let expected = try XCTUnwrap(foundation(text), "Foundation rejects \(text)")
            XCTAssertEqual(try JSONValue.parse(text), expected, text)
            XCTAssertEqual(try JSONValue.parse(Data(text.utf8)), expected, text)
        }
    }

    func testDuplicateKeysKeepTheLastValueAsJavaScriptDoes() throws {
        XCTAssertEqual(try JSONValue.parse(#"{"dup":1,"dup":2}"#), ["dup": 2])
    }

    func testInvalidDocumentsAreRejectedWithAnOffset() {
        let documents = [
            "", " ", "{", "}", "[1 2]", #"{"a" 1}"#, "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "NaN",
            "Infinity", "1e400", "tru", "nul", "[1] x", #""unterminated"#, "\"tab\tinside\"", #""\x""#, #""\u12""#,
            #""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, "'single'", "[1,2", #"{"a":[}"#,
        ]
        for text in documents {
            XCTAssertNil(foundation(text), "Foundation accepts \(text.debugDescription); the expectation is wrong")
            XCTAssertThrowsError(try JSONValue.parse(text), text.debugDescription) { error in
                XCTAssertTrue("\(error)".contains("at byte"), "\(error)")
            }
        }
        // Stricter than Foundation, as RFC 8259 is: no trailing commas.
        for text in ["[1,]", #"{"a":1,}"#] { XCTAssertThrowsError(try JSONValue.parse(text), text) }
        // Invalid UTF-8 inside a string.
        XCTAssertThrowsError(try JSONValue.parse(Data([0x22, 0xC3, 0x28, 0x22])))
        XCTAssertThrowsError(try JSONValue.parse(Data([0x5B, 0x22, 0x5C, 0x6E, 0xFF, 0x22, 0x5D])))
    }

    func testDeepNestingIsRefusedInsteadOfExhaustingTheStack() {
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        XCTAssertNoThrow(try JSONValue.parse(ok))
        for depth in [JSONParser.maxDepth + 1, 100_000] {
            let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            XCTAssertThrowsError(try JSONValue.parse(deep)) { XCTAssertTrue("\($0)".contains("nested deeper"), "\($0)") }
            let deepObject = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
            XCTAssertThrowsError(try JSONValue.parse(deepObject))
        }
    }

    /// Random documents written by `jsonString()` and by `JSONSerialization` (different
    /// number and escape spellings) parse back to what Foundation reads.
    func testRandomDocumentsAgreeWithFoundation() throws {
        var rng = SplitMix(seed: 0x5EED)
        for _ in 0..<500 {
            let value = randomValue(depth: 0, rng: &rng)
            let ours = value.jsonString()
            XCTAssertEqual(try JSONValue.parse(ours), foundation(ours), ours)
            let theirs = String(decoding: try JSONSerialization.data(withJSONObject: ["v": anyValue(value)], options: [.fragmentsAllowed]),
                                as: UTF8.self)
            XCTAssertEqual(try JSONValue.parse(theirs), foundation(theirs), theirs)
        }
    }

    private func randomValue(depth: Int, rng: inout SplitMix) -> JSONValue {
        let pick = depth > 3 ? rng.next() % 4 : rng.next() % 6
        switch pick {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2:
            let choices: [Double] = [0, -1, 42, 1e21, -2.5e-8, 0.1, Double(rng.next() % 1_000_000) / 7, Double(Int64(bitPattern: rng.next()) >> 12)]
            return .number(choices[Int(rng.next() % UInt64(choices.count))])
        case 3:
            let alphabet = Array("aZ09 \"\\/\n\t\u{01}\u{1F}é€😀\u{2028}")
            return .string(String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        case 4: return .array((0..<Int(rng.next() % 5)).map { _ in randomValue(depth: depth + 1, rng: &rng) })
        default:
            var o: [String: JSONValue] = [:]
            for k in 0..<Int(rng.next() % 5) { o["k\(k)\(rng.next() % 3 == 0 ? "\"é" : "")"] = randomValue(depth: depth + 1, rng: &rng) }
            return .object(o)
        }
    }

    private func anyValue(_ v: JSONValue) -> Any {
        switch v {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let n): return n
        case .string(let s): return s
        case .array(let a): return a.map(anyValue)
        case .object(let o): return o.mapValues(anyValue)
        }
    }
}

/// A tiny deterministic generator, so a failure reproduces.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
