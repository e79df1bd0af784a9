import Jobs
import Runs
import Synchronization

/// Watches the cancel keys of every run this worker has in flight with ONE Redis round
/// trip per tick, however many runs there are, and only while there are some. (A poller
/// per run cost each run five commands a second.)
final class CancelWatcher: Sendable {
    private struct State {
        var runs: [String: @Sendable () -> Void] = [:]
        var polling = false
    }

    private let queue: JobQueue
    private let interval: Duration
    private let state = Mutex(State())

    init(queue: JobQueue, interval: Duration = .milliseconds(200)) {
        self.queue = queue
        self.interval = interval
    }

    /// Calls `onCancel` (once) when someone asks to cancel `jobID`, until `unwatch`.
    func watch(jobID: String, onCancel: @escaping @Sendable () -> Void) {
        let start = state.withLock { s -> Bool in
            s.runs[jobID] = onCancel
            defer { s.polling = true }
            return !s.polling
        }
        if start { Task { await poll() } }
    }

    func unwatch(jobID: String) {
        _ = state.withLock { $0.runs.removeValue(forKey: jobID) }
    }

    private func poll() async {
        while true {
            try? await Task.sleep(for: interval)
            let ids = state.withLock { s -> [String]? in
                if s.runs.isEmpty { s.polling = false; return nil }
                return Array(s.runs.keys)
            }
            guard let ids else { return }
            guard let cancelled = try? await queue.cancelRequested(among: ids) else { continue }
            for id in cancelled {
                state.withLock { $0.runs.removeValue(forKey: id) }?()
            }
        }
    }
}
