import Foundation
import JunctionCore
import Logging
import TestSupport
@testable import Worker
import XCTest

/// The host -> worker channel: only frames signed with the host's key count, whoever
/// manages to write to the host's stdout.
final class SandboxChannelTests: XCTestCase, @unchecked Sendable {
    private let json = #"{"type":"call","id":"run-1","callId":1,"name":"bob_secret","args":{}}"#

    func testOnlyGenuineFramesInOrderAreAccepted() {
        let host = SandboxFrameAuthenticator(key: Array(repeating: 7, count: 32))
        var swift = SandboxFrameAuthenticator(key: Array(repeating: 7, count: 32))
        let attacker = SandboxFrameAuthenticator(key: Array(repeating: 8, count: 32))
        XCTAssertEqual(host.keyLine.count, 43)

        let first = host.seal(json, seq: 1)
        XCTAssertEqual(swift.open(Array(first.utf8)).map { String(decoding: $0, as: UTF8.self) }, json)
        XCTAssertNil(swift.open(Array(first.utf8)), "a frame is accepted once (no replay)")
        XCTAssertNil(swift.open(Array(attacker.seal(json, seq: 2).utf8)), "another key")
        XCTAssertNil(swift.open(Array(json.utf8)), "a bare JSON line, as sandboxed code would write it")
        let tampered = host.seal(json, seq: 2).replacingOccurrences(of: "bob_secret", with: "bob_secreT")
        XCTAssertNil(swift.open(Array(tampered.utf8)), "changed content")
        let reseq = host.seal(json, seq: 3).replacingOccurrences(of: " 3 {", with: " 4 {")
        XCTAssertNil(swift.open(Array(reseq.utf8)), "changed sequence number")
        XCTAssertNil(swift.open(Array(host.seal(json, seq: 1).utf8)), "an old sequence number")
        XCTAssertNil(swift.open(Array("garbage".utf8)))
        XCTAssertNil(swift.open([]))
        XCTAssertNotNil(swift.open(Array(host.seal(json, seq: 9).utf8)), "numbers may skip (a frame got lost), never go back")
    }

    /// Writes forged frames straight into a live host's stdout (the pipe the worker
    /// reads), as code that found a way out of its isolate would: the worker drops them,
    /// runs in flight are neither answered nor called for, and the host keeps serving.
    func testForgedLinesOnTheHostsStdoutAreDropped() async throws {
        let pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                              processes: 1, concurrency: 4, heapMB: 128),
                               logger: Logger(label: "test"))
        try await pool.start()
        defer { Task { await pool.shutdown() } }
        let processes = await pool.processes
        let host = try XCTUnwrap(processes.first)
        let calls = Locked<[String]>([])
        let slow = Task {
            await pool.run(owner: "bob", code: "async () => { await new Promise(r => setTimeout(r, 800)); return 'genuine' }",
                           functions: ["bob_secret"], timeout: .seconds(10)) { name, _ in
                calls.withLock { $0.append(name) }
                return .success("secret")
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let stdout = try XCTUnwrap(FileHandle(forWritingAtPath: "/proc/\(host.pid)/fd/1"), "cannot open the host's stdout")
        // The run id is unknown to an attacker, but even the right shape with any id must not count.
        var lines: [String] = []
        for seq in 1...50 {
            lines.append(#"{"type":"call","id":"x","callId":\#(seq),"name":"bob_secret","args":{}}"#)
            lines.append(#"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \#(1_000_000 + seq) {"type":"done","id":"x","ok":true,"result":"forged","logs":[]}"#)
        }
        try stdout.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
        try stdout.close()
        let outcome = await slow.value
        XCTAssertEqual(outcome.result, "genuine", "\(outcome)")
        XCTAssertEqual(calls.withLock { $0 }, [], "a forged call frame reached a call handler")
        XCTAssertEqual(host.rejectedLines, lines.count)
        let after = await pool.run(owner: "bob", code: "async () => 42", functions: [], timeout: .seconds(10)) { _, _ in .success(.null) }
        XCTAssertEqual(after.result, 42, "the host keeps serving: \(after)")
    }
}
