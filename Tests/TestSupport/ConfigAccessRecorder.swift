import Configuration

/// Records every configuration read, to check which keys a configuration type reads and
/// how (secret or not).
package final class ConfigAccessRecorder: AccessReporter, Sendable {
    private let recorded = Locked<[AccessEvent]>([])

    package init() {}

    package func report(_ event: AccessEvent) { recorded.withLock { $0.append(event) } }

    package var events: [AccessEvent] { recorded.withLock { $0 } }

    /// The dotted keys read, e.g. `junction.sandbox.processes`.
    package var keys: Set<String> { Set(events.map { $0.metadata.key.components.joined(separator: ".") }) }
}
