import Logging

/// Passes records on with the values of some metadata keys replaced by `<redacted>`: for
/// swift-otel's diagnostics, which log the raw values of the `OTEL_*` variables they read
/// (`environment_value`, `previous_value`, `new_value`) and the carrier of a trace context
/// they could not read.
package struct RedactingLogHandler: LogHandler {
    package static let defaultKeys: Set<String> = ["environment_value", "previous_value", "new_value", "carrier"]

    private var inner: any LogHandler
    private let keys: Set<String>

    package init(_ inner: any LogHandler, redacting keys: Set<String> = RedactingLogHandler.defaultKeys) {
        self.inner = inner
        self.keys = keys
    }

    package var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue; redactOwn() }
    }

    package var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    package var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = keys.contains(key) && newValue != nil ? "<redacted>" : newValue }
    }

    private mutating func redactOwn() {
        for key in keys where inner.metadata[key] != nil { inner[metadataKey: key] = "<redacted>" }
    }

    package func log(event: LogEvent) {
        var event = event
        if var metadata = event.metadata {
            for key in keys where metadata[key] != nil { metadata[key] = "<redacted>" }
            event.metadata = metadata
        }
        inner.log(event: event)
    }
}
