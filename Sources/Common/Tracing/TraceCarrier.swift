import Instrumentation

/// The W3C trace context as a small string map: what a job envelope carries from the
/// frontend to the worker, and what incoming HTTP headers are reduced to before the tracer
/// reads them. Only a well-formed `traceparent` (and a bounded `tracestate` beside it) gets
/// in, so a malformed or oversized header is dropped here, silently, and the tracer never
/// sees (or logs) anything else of the request.
package enum TraceCarrier {
    package static let traceparent = "traceparent"
    package static let tracestate = "tracestate"
    /// W3C allows 32 list members of up to 256 characters; more is not a trace state.
    static let maxTracestateBytes = 512

    /// The trace context in `lookup` (a header or map lookup by lowercase name), or nil when
    /// it has no well-formed `traceparent`.
    package static func sanitized(_ lookup: (String) -> String?) -> [String: String]? {
        guard let parent = lookup(traceparent), isWellFormedTraceparent(parent) else { return nil }
        var carrier = [traceparent: parent]
        if let state = lookup(tracestate), state.utf8.count <= maxTracestateBytes,
           state.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            carrier[tracestate] = state
        }
        return carrier
    }

    /// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, ids not all zero (version
    /// 00 exactly: a later version's extra fields are not understood here, so not trusted).
    package static func isWellFormedTraceparent(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D,
              bytes[0] == 0x30, bytes[1] == 0x30 else { return false }
        func hex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        guard hex(3..<35), hex(36..<52), hex(53..<55) else { return false }
        return !bytes[3..<35].allSatisfy { $0 == 0x30 } && !bytes[36..<52].allSatisfy { $0 == 0x30 }
    }
}

/// Writes the tracer's context into a string map.
package struct DictionaryInjector: Injector {
    package init() {}
    package func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Reads the tracer's context from a string map.
package struct DictionaryExtractor: Extractor {
    package init() {}
    package func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
