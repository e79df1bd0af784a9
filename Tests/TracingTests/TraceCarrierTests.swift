import JunctionTracing
import XCTest

/// Incoming trace context is checked before any tracer sees it: only a well-formed version-00
/// `traceparent` passes; anything else is dropped without an error.
final class TraceCarrierTests: XCTestCase {
    static let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    func testAWellFormedTraceparentAndItsTracestatePass() {
        let carrier = TraceCarrier.sanitized { ["traceparent": Self.valid, "tracestate": "vendor=abc"][$0] }
        XCTAssertEqual(carrier, ["traceparent": Self.valid, "tracestate": "vendor=abc"])
    }

    func testMalformedOrOversizedTraceparentsAreIgnored() {
        let bad = [
            "", "garbage", String(repeating: "a", count: 100_000),
            Self.valid + "-extra",                                          // a later version's extra field
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // version ff is invalid
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // unknown version
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",      // uppercase hex
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",      // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",      // zero parent id
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",      // not hex
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",      // wrong separators
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\u{e9}",  // non-ASCII
        ]
        for value in bad {
            XCTAssertFalse(TraceCarrier.isWellFormedTraceparent(value), value.prefix(80).description)
            XCTAssertNil(TraceCarrier.sanitized { $0 == "traceparent" ? value : "k=v" }, value.prefix(80).description)
        }
    }

    func testAnOversizedOrControlCharacterTracestateIsDroppedButTheParentKept() {
        for state in [String(repeating: "k=v,", count: 1000), "k=v\r\nX-Injected: 1"] {
            let carrier = TraceCarrier.sanitized { ["traceparent": Self.valid, "tracestate": state][$0] }
            XCTAssertEqual(carrier, ["traceparent": Self.valid])
        }
    }

    func testWithTracingOffNothingIsCarriedOrInjected() {
        XCTAssertFalse(Traces.isEnabled)
        XCTAssertNil(Traces.currentCarrier())
        var headers = [("traceparent", Self.valid), ("Accept", "application/json")]
        Traces.inject(into: &headers)
        XCTAssertEqual(headers.map(\.0), ["traceparent", "Accept"], "off: the request is left as it is")
    }
}
