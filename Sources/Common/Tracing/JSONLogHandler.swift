import Foundation
import JunctionCore
import Logging
import Synchronization

/// Writes every record as one JSON object on one line of standard error:
/// `{"time","level","logger","message", …metadata}`, with the metadata provider's keys (the
/// trace and span ids while a span is current) among the metadata. It writes only what the
/// caller logged: nothing here reads headers or configuration, so it adds no secret.
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    package var logLevel: Logger.Level = .info
    private let label: String
    private let sink: @Sendable (String) -> Void

    /// A handler writing to standard error, or to `sink` (tests).
    package init(label: String, metadataProvider: Logger.MetadataProvider? = nil,
                 sink: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink ?? JSONLogHandler.standardError
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The fields every line has; metadata with one of these names is written under `meta.<name>`.
    static let reserved: Set<String> = ["time", "level", "logger", "message", "error"]

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var object: [String: JSONValue] = [:]
        object.reserveCapacity(merged.count + 6)
        for (key, value) in merged {
            object[Self.reserved.contains(key) ? "meta.\(key)" : key] = Self.json(value)
        }
        object["time"] = .string(Self.timestamp())
        object["level"] = .string(event.level.rawValue)
        object["logger"] = .string(label)
        object["message"] = .string(event.message.description)
        if let error = event.error { object["error"] = .string("\(error)") }
        sink(JSONValue.object(object).jsonString() + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let a): .array(a.map(json))
        case .dictionary(let d): .object(d.mapValues(json))
        }
    }

    /// UTC with milliseconds, e.g. `2026-12-05T06:44:25.123Z`.
    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// One `write` per line under a lock, so lines of concurrent tasks never interleave.
    private static let lock = Mutex<Void>(())
    static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        lock.withLock { _ in
            bytes.withUnsafeMutableBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if n <= 0 { if errno == EINTR { continue }; return }
                    offset += n
                }
            }
        }
    }
}
