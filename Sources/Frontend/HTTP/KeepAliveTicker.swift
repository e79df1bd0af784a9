import Hummingbird
import Synchronization

/// Sends the keep-alive comment to every open tool-call event stream, from one task for
/// the whole process: a ticker task per stream cost each `tools/call` a task, a timer and
/// the wake-ups to start and stop them, most of them for runs that last milliseconds. A
/// stream gets its first comment within one `interval` of opening, then one per
/// `interval`.
final class KeepAliveTicker: Sendable {
    let interval: Duration
    private struct State {
        var sinks: [Int: AsyncStream<ByteBuffer>.Continuation] = [:]
        var nextID = 0
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())

    init(interval: Duration) {
        self.interval = interval
    }

    deinit {
        state.withLock { $0.task?.cancel() }
    }

    /// Starts sending keep-alives into `sink`; returns what `remove` takes.
    func add(_ sink: AsyncStream<ByteBuffer>.Continuation) -> Int {
        state.withLock { s in
            s.nextID += 1
            s.sinks[s.nextID] = sink
            if s.task == nil {
                // Weak: the ticker's owner decides how long it lives, not its own task.
                let interval = self.interval
                s.task = Task { [weak self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        guard let self else { return }
                        for sink in self.state.withLock({ Array($0.sinks.values) }) { sink.yield(SSE.keepAlive) }
                    }
                }
            }
            return s.nextID
        }
    }

    /// Stops the keep-alives of a stream.
    func remove(_ id: Int) {
        _ = state.withLock { $0.sinks.removeValue(forKey: id) }
    }
}
