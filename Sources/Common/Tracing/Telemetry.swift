import Logging
import OTel
import ServiceLifecycle
import Tracing

/// What a process's logs and traces look like, from its configuration.
package struct TelemetrySettings: Sendable {
    package var logFormat: LogFormat
    /// Export spans over OTLP/HTTP (an OTLP endpoint is configured).
    package var tracing: Bool
    /// `service.name` of its spans (`OTEL_SERVICE_NAME`, else `junction-<process>`).
    package var serviceName: String

    package init(logFormat: LogFormat, tracing: Bool, serviceName: String) {
        self.logFormat = logFormat
        self.tracing = tracing
        self.serviceName = serviceName
    }
}

/// Sets up a process's logging and, when configured, tracing. Called once, first thing in
/// each executable's `main`, before any logger exists.
package enum Telemetry {
    /// Bootstraps swift-log with the configured format (log lines carry the trace and span
    /// ids while a span is current) and, when `settings.tracing`, the OTLP/HTTP tracer
    /// (swift-otel reads the standard `OTEL_*` variables for the rest). Returns the service
    /// that exports spans, to run first in the process's service group so that it stops last
    /// and flushes what the others recorded; nil when tracing is off, when nothing at all is
    /// bootstrapped for it (the no-op tracer stays, and `Traces` does nothing).
    package static func bootstrap(_ settings: TelemetrySettings) throws -> (any Service)? {
        let provider: Logger.MetadataProvider? = settings.tracing ? OTel.makeLoggingMetadataProvider() : nil
        let format = settings.logFormat
        LoggingSystem.bootstrap({ label, provider in makeHandler(format: format, label: label, metadataProvider: provider) },
                                metadataProvider: provider)
        guard settings.tracing else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        // swift-otel logs the values of the OTEL_* variables it reads (OTEL_EXPORTER_OTLP_HEADERS
        // may hold a credential) and a carrier it cannot read: its logger redacts those fields.
        configuration.diagnosticLogger = .custom(Logger(label: "junction.otel") { label in
            RedactingLogHandler(makeHandler(format: format, label: label, metadataProvider: nil))
        })
        configuration.diagnosticLogLevel = .warning
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        Traces.enable()
        return service
    }

    /// The handler of one logger in `format`.
    package static func makeHandler(format: LogFormat, label: String, metadataProvider: Logger.MetadataProvider?) -> any LogHandler {
        switch format {
        case .text: StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
        case .json: JSONLogHandler(label: label, metadataProvider: metadataProvider)
        }
    }
}
