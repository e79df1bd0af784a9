import Foundation
import JunctionCore
import Synchronization

/// Records the upstream calls one run makes (name, ok, duration).
final class CallRecorder: Sendable {
    private let calls = Mutex<[JSONValue]>([])

    func record(name: String, ok: Bool, started: ContinuousClock.Instant) {
        let ms = (ContinuousClock.now - started).milliseconds
        calls.withLock { $0.append(["name": .string(name), "ok": .bool(ok), "durationMs": .number(Double(ms))]) }
    }

    var all: [JSONValue] { calls.withLock { $0 } }
}

