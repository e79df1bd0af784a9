import Foundation
import JunctionCore
import Synchronization

/// `/readyz`: whether the process can do its work now, i.e. whether every dependency it
/// needs (Redis, the store) answers within `timeout`. Liveness (`/healthz`) asks nothing.
package struct Readiness: Sendable {
    /// One dependency and how to ask it.
    package struct Check: Sendable {
        package let name: String
        package let probe: @Sendable () async throws -> Void
        package init(_ name: String, probe: @escaping @Sendable () async throws -> Void) {
            self.name = name
            self.probe = probe
        }
    }

    package let checks: [Check]
    package let timeout: Duration

    package init(checks: [Check], timeout: Duration = .seconds(2)) {
        self.checks = checks
        self.timeout = timeout
    }

    /// Each check's result (`ok` or `unavailable`), asked concurrently.
    package func evaluate() async -> [String: Bool] {
        await withTaskGroup(of: (String, Bool).self) { group in
            for check in checks {
                group.addTask { (check.name, await Self.answers(check.probe, within: timeout)) }
            }
            var results: [String: Bool] = [:]
            for await (name, ok) in group { results[name] = ok }
            return results
        }
    }

    /// 200 and `{"status":"ready",…}` when every check passed, else 503 and
    /// `{"status":"unavailable",…}`; `checks` says which (no error text: it could name hosts).
    package func report() async -> (status: Int, body: String) {
        let results = await evaluate()
        let ready = results.values.allSatisfy { $0 }
        let body = JSONValue.object([
            "status": .string(ready ? "ready" : "unavailable"),
            "checks": .object(results.mapValues { .string($0 ? "ok" : "unavailable") }),
        ]).jsonString()
        return (ready ? 200 : 503, body)
    }

    /// Whether `probe` succeeds within `timeout`. The probe runs in a task of its own, so a
    /// call that ignores cancellation (a socket read) cannot hold the answer past the deadline.
    static func answers(_ probe: @escaping @Sendable () async throws -> Void, within timeout: Duration) async -> Bool {
        let waiter = Waiter()
        let work = Task { waiter.finish((try? await probe()) != nil) }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            waiter.finish(false)
        }
        let answer = await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in waiter.set(cont) }
        work.cancel()
        timer.cancel()
        return answer
    }
}

/// The first answer wins; one given before the waiter waits is kept for it.
private final class Waiter: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Bool, Never>?, answer: Bool?)>((nil, nil))

    func set(_ continuation: CheckedContinuation<Bool, Never>) {
        let early = state.withLock { s -> Bool? in
            if let answer = s.answer { return answer }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func finish(_ value: Bool) {
        let waiting = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            guard s.answer == nil else { return nil }
            s.answer = value
            return s.continuation.take()
        }
        waiting?.resume(returning: value)
    }
}
