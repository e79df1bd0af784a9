import Synchronization

/// A counting semaphore for async code (bounds in-flight jobs).
package final class AsyncSemaphore: Sendable {
    private struct State {
        var permits: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    package init(permits: Int) { state = Mutex(State(permits: permits)) }

    package func acquire() async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.permits > 0 { s.permits -= 1; return true }
                s.waiters.append(cont)
                return false
            }
            if ready { cont.resume() }
        }
    }

    package func release() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if !s.waiters.isEmpty { return s.waiters.removeFirst() }
            s.permits += 1
            return nil
        }
        waiter?.resume()
    }
}
