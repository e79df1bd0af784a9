import Synchronization

/// Stops one sandbox run from outside the task that awaits it. Cancelling that task would
/// do the same, but it needs the run in a task of its own: one more task to start, and
/// one more thread switch to join, on every run's path. The run's host sets the handler
/// once the run is on its way (never before, so the stop cannot overtake the run); a
/// cancel that comes before that is remembered and acted on then.
package final class SandboxCancellation: Sendable {
    private struct State {
        var cancelled = false
        var handler: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    package init() {}

    package var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Stops the run (once); later calls do nothing.
    package func cancel() {
        let handler = state.withLock { s -> (@Sendable () -> Void)? in
            guard !s.cancelled else { return nil }
            s.cancelled = true
            defer { s.handler = nil }
            return s.handler
        }
        handler?()
    }

    /// Sets what stops the run; false (and nothing set) when it is already cancelled.
    func setHandler(_ handler: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { s in
            guard !s.cancelled else { return false }
            s.handler = handler
            return true
        }
    }

    /// Forgets the handler once the run is over.
    func clearHandler() {
        state.withLock { $0.handler = nil }
    }
}
