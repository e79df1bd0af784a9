import Synchronization
import Tracing

/// Spans and trace context for Junction's code, cheap when tracing is off: until
/// `Telemetry.bootstrap` turns tracing on, every helper here returns at once, without a
/// span, a context lookup or an allocation.
package enum Traces {
    private static let enabled = Atomic<Bool>(false)

    /// Whether spans are recorded and exported (`OTEL_EXPORTER_OTLP_ENDPOINT` is set).
    package static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    static func enable() { enabled.store(true, ordering: .relaxed) }

    /// The current trace context as a string map, to travel with a job; nil when tracing is
    /// off or no span is current.
    package static func currentCarrier() -> [String: String]? {
        guard isEnabled, let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier.isEmpty ? nil : carrier
    }

    /// The context a carried trace context continues (a job's, or an incoming request's
    /// headers reduced by `TraceCarrier.sanitized`); a new trace when there is none or it is
    /// malformed.
    package static func context(continuing carrier: [String: String]?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if isEnabled, let carrier, let clean = TraceCarrier.sanitized({ carrier[$0] }) {
            InstrumentationSystem.instrument.extract(clean, into: &context, using: DictionaryExtractor())
        }
        return context
    }

    /// Adds the current trace context to outgoing HTTP headers (replacing any there), so
    /// the upstream continues the trace. Nothing when tracing is off.
    package static func inject(into headers: inout [(String, String)]) {
        guard let carrier = currentCarrier() else { return }
        headers.removeAll { [TraceCarrier.traceparent, TraceCarrier.tracestate].contains($0.0.lowercased()) }
        for (name, value) in carrier.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
    }

    /// Runs `body` inside a span named `name` (a child of `context`, else of the current
    /// span); `body` gets the span to add attributes or mark an error. With tracing off it
    /// runs `body` alone, with nil.
    package static func withSpan<T>(_ name: String, context: ServiceContext? = nil, ofKind kind: SpanKind = .internal,
                                    isolation: isolated (any Actor)? = #isolation,
                                    _ body: ((any Span)?) async throws -> T) async rethrows -> T {
        guard isEnabled else { return try await body(nil) }
        return try await Tracing.withSpan(name, context: context ?? .current ?? .topLevel, ofKind: kind, isolation: isolation) { span in
            try await body(span)
        }
    }
}
