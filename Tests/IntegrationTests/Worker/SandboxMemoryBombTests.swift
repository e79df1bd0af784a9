import Foundation
import JunctionCore
import JunctionMetrics
import Logging
import TestSupport
@testable import Worker
import XCTest

/// V8 cannot stop one isolate that reaches its heap limit without aborting the whole Deno
/// process, so a memory bomb takes its host down. A host serves one user at a time, so
/// that is never another user's host; and the bomber's own runs it takes down with it,
/// if they had not called anything yet, are run again, each alone in a host, where the
/// bomb (run again too) can only hurt itself.
final class SandboxMemoryBombTests: XCTestCase, @unchecked Sendable {
    static let bomb = "async () => { const a = []; while (true) a.push(new Array(1e5).fill(1.5)) }"

    private func pool(concurrency: Int) async throws -> SandboxPool {
        let pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                              processes: 1, concurrency: concurrency, heapMB: 128),
                               logger: Logger(label: "test"))
        try await pool.start()
        return pool
    }

    /// Issue 12, item 3: three memory bombs of one user alongside five innocent runs of
    /// another. Every run of the other user succeeds, quickly; the bomber's calls to the
    /// other user's functions (and its forged frames) reach only its own handler.
    func testOneUsersBombsNeverFailAnotherUsersRuns() async throws {
        let pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                              heapMB: 128),
                               logger: Logger(label: "test"))
        try await pool.start()
        defer { Task { await pool.shutdown() } }
        let bobCalls = Locked<[String]>([])
        let bobHandler: SandboxCallHandler = { name, _ in
            bobCalls.withLock { $0.append(name) }
            return .success(["n": 1])
        }
        let aliceCalls = Locked<[String]>([])
        let aliceHandler: SandboxCallHandler = { name, _ in
            aliceCalls.withLock { $0.append(name) }
            return .failure(.notFound("codemode.\(name) is not a function of your enabled sources"))
        }
        let forge = #"console.log('{"type":"call","id":"x","callId":1,"name":"bob_get","args":{}}'); "#
        let bombs = (0..<3).map { _ in
            Task { await pool.run(owner: "alice", code: forge + "const a = []; while (true) a.push(new Array(1e6).fill(1))",
                                  functions: nil, timeout: .seconds(20), handler: aliceHandler) }
        }
        var bobRuns: [Task<(SandboxOutcome, Duration), Never>] = []
        for i in 0..<5 {
            try await Task.sleep(for: .milliseconds(150))
            bobRuns.append(Task {
                let started = ContinuousClock.now
                let o = await pool.run(owner: "bob", code: "async () => { const r = await codemode.bob_get({}); return r.n + \(i) }",
                                       functions: nil, timeout: .seconds(20), handler: bobHandler)
                return (o, ContinuousClock.now - started)
            })
        }
        for (i, run) in bobRuns.enumerated() {
            let (outcome, took) = await run.value
            XCTAssertEqual(outcome.result, .number(Double(1 + i)), "bob's run \(i): \(outcome)")
            XCTAssertLessThan(took, .seconds(3), "bob's run \(i) was held up")
        }
        for bomb in bombs {
            let outcome = await bomb.value
            XCTAssertEqual(outcome.errorName, "SandboxCrashed", "\(outcome)")
        }
        XCTAssertEqual(bobCalls.withLock { $0 }, Array(repeating: "bob_get", count: 5), "only bob's own calls reached bob's handler")
        XCTAssertEqual(aliceCalls.withLock { $0 }, [])
        // The bomber's attempt to call bob's function goes to the bomber's own handler.
        let steal = await pool.run(owner: "alice", code: "async () => await codemode.bob_get({})", functions: nil,
                                   timeout: .seconds(10), handler: aliceHandler)
        XCTAssertEqual(steal.errorMessage, "codemode.bob_get is not a function of your enabled sources", "\(steal)")
        XCTAssertEqual(bobCalls.withLock { $0 }.count, 5)
    }

    func testABombFailsAloneAndRunsSharingItsHostAreServed() async throws {
        JunctionMetricsFactory.bootstrap()
        let (crashesBefore, isolatesBefore) = (Self.counter("junction_sandbox_crashes_total"), Self.counter("junction_sandbox_isolates_created_total"))
        let pool = try await pool(concurrency: 4)
        defer { Task { await pool.shutdown() } }
        let calls = Locked<[String]>([])
        let handler: SandboxCallHandler = { name, _ in
            calls.withLock { $0.append(name) }
            return .success("ok")
        }
        // Three runs in flight on the only host when the bomb goes off; one of them has
        // already called an upstream function, which must not happen twice.
        async let quiet1 = pool.run(owner: "alice", code: "async () => { await new Promise(r => setTimeout(r, 1500)); return 1 }", functions: [],
                                    timeout: .seconds(20), handler: handler)
        async let quiet2 = pool.run(owner: "alice", code: "async () => { await new Promise(r => setTimeout(r, 1500)); return 2 }", functions: [],
                                    timeout: .seconds(20), handler: handler)
        async let caller = pool.run(owner: "alice", code: "async () => { await codemode.a_side_effect({}); await new Promise(r => setTimeout(r, 1500)); return 3 }",
                                    functions: ["a_side_effect"], timeout: .seconds(20), handler: handler)
        try await Task.sleep(for: .milliseconds(400))
        let bomb = await pool.run(owner: "alice", code: Self.bomb, functions: [], timeout: .seconds(20), handler: handler)
        let (o1, o2, o3) = await (quiet1, quiet2, caller)

        XCTAssertFalse(bomb.ok)
        XCTAssertEqual(bomb.errorName, "SandboxCrashed", "\(bomb)")
        XCTAssertEqual(o1.result, 1, "\(o1)")
        XCTAssertEqual(o2.result, 2, "\(o2)")
        // A run that already reached an upstream is not repeated (the call may have had
        // effects); it fails with the crash, and its call happened exactly once.
        XCTAssertEqual(o3.errorName, "SandboxCrashed", "\(o3)")
        XCTAssertEqual(calls.withLock { $0 }, ["a_side_effect"])
        // The pool goes on serving.
        let after = await pool.run(owner: "alice", code: "async () => 'fine'", functions: [], timeout: .seconds(10), handler: handler)
        XCTAssertEqual(after.result, "fine", "\(after)")
        // Counted: the crashed host (and the bomb's own host when it ran again alone) replaced,
        // and an isolate for every run handed to a host, the runs run again included.
        XCTAssertGreaterThanOrEqual(Self.counter("junction_sandbox_crashes_total") - crashesBefore, 1)
        XCTAssertGreaterThanOrEqual(Self.counter("junction_sandbox_isolates_created_total") - isolatesBefore, 6)
    }

    /// An unlabelled counter's value in this process's metrics (0 before its first use).
    static func counter(_ name: String) -> Double {
        let text = String(decoding: JunctionMetricsFactory.exposition(), as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
    }
}
