@testable import Common
import Foundation
import Logging
@testable import Worker
import XCTest

/// V8 cannot stop one isolate that reaches its heap limit without aborting the whole Deno
/// process, so a memory bomb takes its host down. The runs it takes down with it must
/// not pay for it: those that had not called anything yet are run again, each alone in
/// a quarantine host, where the bomb (run again too) can only hurt itself.
final class SandboxMemoryBombTests: XCTestCase, @unchecked Sendable {
    static let bomb = "async () => { const a = []; while (true) a.push(new Array(1e5).fill(1.5)) }"

    private func pool(concurrency: Int) async throws -> SandboxPool {
        let pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                              processes: 1, concurrency: concurrency, heapMB: 128),
                               logger: Logger(label: "test"))
        try await pool.start()
        return pool
    }

    func testABombFailsAloneAndRunsSharingItsHostAreServed() async throws {
        let pool = try await pool(concurrency: 4)
        defer { Task { await pool.shutdown() } }
        let calls = Locked<[String]>([])
        let handler: SandboxCallHandler = { name, _ in
            calls.withLock { $0.append(name) }
            return .success("ok")
        }
        // Three runs in flight on the only host when the bomb goes off; one of them has
        // already called an upstream function, which must not happen twice.
        async let quiet1 = pool.run(code: "async () => { await new Promise(r => setTimeout(r, 1500)); return 1 }", functions: [],
                                    timeout: .seconds(20), handler: handler)
        async let quiet2 = pool.run(code: "async () => { await new Promise(r => setTimeout(r, 1500)); return 2 }", functions: [],
                                    timeout: .seconds(20), handler: handler)
        async let caller = pool.run(code: "async () => { await codemode.a_side_effect({}); await new Promise(r => setTimeout(r, 1500)); return 3 }",
                                    functions: ["a_side_effect"], timeout: .seconds(20), handler: handler)
        try await Task.sleep(for: .milliseconds(400))
        let bomb = await pool.run(code: Self.bomb, functions: [], timeout: .seconds(20), handler: handler)
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
        let after = await pool.run(code: "async () => 'fine'", functions: [], timeout: .seconds(10), handler: handler)
        XCTAssertEqual(after.result, "fine", "\(after)")
    }
}
