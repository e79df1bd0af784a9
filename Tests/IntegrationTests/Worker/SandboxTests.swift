import Foundation
import JunctionCore
import Logging
import TestSupport
@testable import Worker
import XCTest

/// The Deno sandbox through the worker's real pool: real deno processes, real isolates.
final class SandboxTests: XCTestCase, @unchecked Sendable {
    var pool: SandboxPool!

    override func setUp() async throws {
        pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                          processes: 2, concurrency: 4, heapMB: 128),
                           logger: Logger(label: "test"))
        try await pool.start()
    }

    override func tearDown() async throws {
        await pool?.shutdown()
    }

    private func run(_ code: String, functions: [String] = [], timeout: Duration = .seconds(10),
                     handler: @escaping SandboxCallHandler = { _, _ in .success(.null) }) async -> SandboxOutcome {
        await pool.run(owner: "alice", code: code, functions: functions, timeout: timeout, handler: handler)
    }

    func testReturnValueAndConsoleCapture() async {
        let outcome = await run("async () => { console.log('hello', {a: 1}); console.error('bad'); return { sum: 1 + 2 } }")
        XCTAssertTrue(outcome.ok, "\(outcome)")
        XCTAssertEqual(outcome.result, ["sum": 3])
        XCTAssertEqual(outcome.logs.count, 2)
        XCTAssertTrue(outcome.logs[0].contains("hello"))
        XCTAssertTrue(outcome.logs[1].contains("bad"))
    }

    func testCallsLeaveTheIsolateAndComeBack() async {
        let outcome = await run("async () => { const r = await codemode.api_echo({ x: 5 }); return r.doubled }",
                                functions: ["api_echo"]) { name, args in
            XCTAssertEqual(name, "api_echo")
            return .success(["doubled": .number((args["x"]?.numberValue ?? 0) * 2)])
        }
        XCTAssertTrue(outcome.ok, "\(outcome)")
        XCTAssertEqual(outcome.result, 10)
    }

    func testHostErrorsRejectInsideTheSandbox() async {
        let outcome = await run("async () => { try { await codemode.api_fail({}) } catch (e) { return 'caught: ' + e.message } }",
                                functions: ["api_fail"]) { _, _ in .failure(JunctionError("upstream_timeout", "too slow")) }
        XCTAssertEqual(outcome.result, "caught: too slow")
    }

    func testThrownErrorReportsNameMessageAndLine() async {
        let outcome = await run("async () => {\n  const x = 1;\n  throw new TypeError('nope');\n}")
        XCTAssertFalse(outcome.ok)
        XCTAssertEqual(outcome.errorName, "TypeError")
        XCTAssertEqual(outcome.errorMessage, "nope")
        XCTAssertEqual(outcome.errorLine, 3)
    }

    func testInfiniteLoopIsStoppedAtTheDeadline() async {
        let start = ContinuousClock.now
        let outcome = await run("async () => { while (true) {} }", timeout: .milliseconds(500))
        XCTAssertFalse(outcome.ok)
        XCTAssertTrue(outcome.timedOut)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
        let after = await run("async () => 'still serving'")
        XCTAssertEqual(after.result, "still serving")
    }

    /// The cancel of a run whose task is cancelled before the host has it reaches the host
    /// ahead of the run itself: the run must still be stopped, not left to its deadline.
    func testRunCancelledBeforeItReachesTheHostIsStopped() async throws {
        let first = await pool.processes.first
        let host = try XCTUnwrap(first)
        let start = ContinuousClock.now
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await host.run(id: "cancelled-early", code: "async () => { while (true) {} }", functions: [],
                                  timeout: .seconds(20), maxLogBytes: 1000) { _, _ in .success(.null) }
        }
        let outcome = await task.value
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5), "\(outcome)")
        XCTAssertFalse(outcome.ok)
        XCTAssertEqual(outcome.errorName, "Cancelled", "\(outcome)")
    }

    /// A `SandboxCancellation` stops its run from outside the awaiting task, whether it
    /// comes while the code runs or before the host has the run.
    func testCancellationStopsARunFromOutside() async throws {
        for early in [false, true] {
            let cancellation = SandboxCancellation()
            if early { cancellation.cancel() }
            let start = ContinuousClock.now
            let run = Task {
                await self.pool.run(owner: "alice", code: "async () => { while (true) {} }", functions: [], timeout: .seconds(20),
                                    cancellation: cancellation) { _, _ in .success(.null) }
            }
            if !early {
                try await Task.sleep(for: .milliseconds(300))
                cancellation.cancel()
            }
            let outcome = await run.value
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(5), "early: \(early), \(outcome)")
            XCTAssertEqual(outcome.errorName, "Cancelled", "early: \(early), \(outcome)")
        }
    }

    /// Issue 13: `Object.keys(codemode)`, `for…in` and `console.log(codemode)` of an open
    /// codemode show the user's call names, or say how to find them; never an empty list.
    func testOpenCodemodeListsItsNamesOrSaysHowToFindThem() async {
        let code = """
            async () => { const seen = []; for (const k in codemode) seen.push(k); console.log(codemode);
              return { keys: Object.keys(codemode), seen, has: "a_list" in codemode } }
            """
        let small = await pool.run(owner: "alice", code: code, functions: nil, listing: SandboxListing(allNames: ["a_get", "a_list"]),
                                   timeout: .seconds(10)) { _, _ in .success(.null) }
        XCTAssertEqual(small.result, ["keys": ["a_get", "a_list"], "seen": ["a_get", "a_list"], "has": true], "\(small)")
        XCTAssertEqual(small.logs.count, 1)
        XCTAssertTrue(small.logs[0].hasPrefix("codemode: 2 functions: a_get, a_list"), "\(small.logs)")
        XCTAssertTrue(small.logs[0].contains("codemode.describe"), "\(small.logs)")

        let many = (0..<(SandboxListing.limit + 1)).map { "s_op\($0)" }
        for listing in [SandboxListing(allNames: many), nil] {
            // Too many (or not looked up): the entry points that find them, and a message.
            let keys = await pool.run(owner: "alice", code: "async () => { console.log(codemode); return Object.keys(codemode) }",
                                      functions: nil, listing: listing, timeout: .seconds(10)) { _, _ in .success(.null) }
            XCTAssertEqual(keys.result, ["catalog", "describe", "sources", "spec"], "\(keys)")
            XCTAssertTrue(keys.logs.first?.contains("codemode.catalog(") ?? false, "\(keys.logs)")
            if listing != nil { XCTAssertTrue(keys.logs.first?.contains("\(many.count) functions, too many to list") ?? false, "\(keys.logs)") }
        }
        // What JavaScript probes on its own is not a call: JSON.stringify, String(), await.
        let calls = Locked<[String]>([])
        let probes = await pool.run(owner: "alice", code: """
            async () => { const j = JSON.stringify(codemode); const same = await codemode === codemode;
              return [j, same, typeof codemode.toString, typeof codemode.then, "toJSON" in codemode] }
            """, functions: nil, listing: SandboxListing(allNames: ["a_get"]), timeout: .seconds(10)) { name, _ in
            calls.withLock { $0.append(name) }
            return .success(.null)
        }
        XCTAssertEqual(probes.result, ["{}", true, "undefined", "undefined", false], "\(probes)")
        XCTAssertEqual(calls.withLock { $0 }, [])
        // Calls still work by name whatever is listed.
        let call = await pool.run(owner: "alice", code: "async () => await codemode.s_op7({})", functions: nil,
                                  listing: SandboxListing(allNames: many), timeout: .seconds(10)) { name, _ in .success(.string(name)) }
        XCTAssertEqual(call.result, "s_op7", "\(call)")
    }

    func testListingIsLookedUpOnlyWhenCodeUsesCodemodeAsAValue() {
        for code in ["async () => Object.keys(codemode)", "console.log(codemode)", "for (const k in codemode) {}",
                     "const api = codemode; return api.x_y()", "async () => JSON.stringify(globalThis.codemode)"] {
            XCTAssertTrue(SandboxListing.wanted(by: code), code)
        }
        for code in ["async () => await codemode.gh_list({})", "return codemode?.a_b()", "await codemode['a_b']()",
                     "async () => (await codemode.catalog('x')).length", "// codemodes\nreturn 1"] {
            XCTAssertFalse(SandboxListing.wanted(by: code), code)
        }
    }

    func testFetchIsDenied() async {
        let outcome = await run("async () => { const r = await fetch('https://example.com'); return r.status }")
        XCTAssertFalse(outcome.ok)
        XCTAssertTrue((outcome.errorName ?? "") + (outcome.errorMessage ?? "") ~= "NotCapable|net access", "\(outcome)")
    }

    func testFileSystemIsDenied() async {
        let outcome = await run("async () => await Deno.readTextFile('/etc/passwd')")
        XCTAssertFalse(outcome.ok)
        XCTAssertTrue((outcome.errorName ?? "") + (outcome.errorMessage ?? "") ~= "NotCapable|read access", "\(outcome)")
    }

    func testEnvironmentAndSubprocessAreDenied() async {
        let env = await run("async () => Deno.env.get('JUNCTION_MASTER_KEY')")
        XCTAssertFalse(env.ok, "\(env)")
        let cmd = await run("async () => (await new Deno.Command('id').output()).code")
        XCTAssertFalse(cmd.ok, "\(cmd)")
    }

    func testEachRunGetsAFreshIsolate() async {
        _ = await run("async () => { globalThis.leak = 'secret from run 1'; return 1 }")
        for _ in 0..<3 {
            let second = await run("async () => typeof globalThis.leak")
            XCTAssertEqual(second.result, "undefined")
        }
    }

    func testConcurrentRunsAllComplete() async {
        let results = await withTaskGroup(of: JSONValue.self) { group in
            for i in 0..<24 { group.addTask { await self.run("async () => \(i) * 2").result } }
            var out: [JSONValue] = []
            for await r in group { out.append(r) }
            return out
        }
        XCTAssertEqual(Set(results), Set((0..<24).map { JSONValue.number(Double($0 * 2)) }))
    }

    /// Killing a host process fails only its own runs; the pool replaces it.
    func testCrashedHostIsReplacedAndOtherRunsContinue() async throws {
        let hosts = await pool.processes
        XCTAssertEqual(hosts.count, 2)
        let victim = hosts[0]
        let slow = Task { await self.run("async () => { await new Promise(r => setTimeout(r, 1500)); return 'survived' }") }
        try await Task.sleep(for: .milliseconds(300))
        // Both hosts are equally loaded at most by one; kill the one NOT running `slow` if possible.
        let target = victim.activeRuns == 0 ? victim : hosts[1]
        target.kill()
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertFalse(target.isAlive)
        let slowOutcome = await slow.value
        XCTAssertEqual(slowOutcome.result, "survived", "a run on the other host was disturbed: \(slowOutcome)")
        for i in 0..<6 {
            let outcome = await run("async () => \(i)")
            XCTAssertEqual(outcome.result, .number(Double(i)), "\(outcome)")
        }
        let alive = await pool.processes
        XCTAssertEqual(alive.count, 2, "the dead host was replaced")
        XCTAssertFalse(alive.contains { $0 === target })
    }

    /// A run that already called upstream cannot be run again after its host dies (the
    /// call may have had effects): it fails with a clear error.
    func testRunOnAKilledHostFailsWithAClearError() async throws {
        let task = Task {
            await self.run("async () => { await codemode.x_call({}); await new Promise(r => setTimeout(r, 5000)); return 1 }",
                           functions: ["x_call"])
        }
        try await Task.sleep(for: .milliseconds(300))
        for host in await pool.processes where host.activeRuns > 0 { host.kill() }
        let outcome = await task.value
        XCTAssertFalse(outcome.ok)
        XCTAssertEqual(outcome.errorName, "SandboxCrashed")
    }

    /// A run that had not called anything yet is run again elsewhere when its host dies.
    func testRunThatCalledNothingSurvivesItsHostBeingKilled() async throws {
        let task = Task { await self.run("async () => { await new Promise(r => setTimeout(r, 1000)); return 'again' }") }
        try await Task.sleep(for: .milliseconds(300))
        for host in await pool.processes where host.activeRuns > 0 { host.kill() }
        let outcome = await task.value
        XCTAssertEqual(outcome.result, "again", "\(outcome)")
    }
}

private func ~= (text: String, pattern: String) -> Bool {
    text.range(of: pattern, options: .regularExpression) != nil
}
