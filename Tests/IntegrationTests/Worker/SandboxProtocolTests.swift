import Foundation
import JunctionCore
@testable import Worker
import XCTest

/// The sandbox's message kinds are listed once in Swift (`SandboxMessage.Kind`,
/// `SandboxMessage.WorkerKind`) and once in JavaScript (`sandbox-protocol.js`); these
/// tests hold the two lists, and what the scripts actually send, together.
final class SandboxProtocolTests: XCTestCase {
    private static let sandboxFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Worker/Sandbox")

    private func script(_ name: String) throws -> String {
        try String(contentsOf: Self.sandboxFolder.appendingPathComponent(name), encoding: .utf8)
    }

    /// The kinds in one `name: Object.freeze([...])` list of sandbox-protocol.js.
    private func jsList(_ name: String, in object: String) throws -> [String] {
        let text = try script("sandbox-protocol.js")
        let objectStart = try XCTUnwrap(text.range(of: "export const \(object) = "), "no \(object) in sandbox-protocol.js")
        let rest = text[objectStart.upperBound...]
        let listStart = try XCTUnwrap(rest.range(of: "\(name): Object.freeze(["), "no \(object).\(name)")
        let listEnd = try XCTUnwrap(rest[listStart.upperBound...].range(of: "]"))
        return rest[listStart.upperBound..<listEnd.lowerBound]
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            .filter { !$0.isEmpty }
    }

    /// Every string literal that follows `marker` in `text` (e.g. `t: "` → the kinds sent).
    private func literals(after marker: String, in text: String) -> Set<String> {
        var out: Set<String> = []
        var rest = text[...]
        while let hit = rest.range(of: marker) {
            let tail = rest[hit.upperBound...]
            if let close = tail.firstIndex(of: "\"") { out.insert(String(tail[..<close])) }
            rest = tail
        }
        return out
    }

    func testFrameKindsAgreeBetweenSwiftAndJavaScript() throws {
        XCTAssertEqual(try jsList("toHost", in: "FRAME_KINDS"), SandboxMessage.Kind.allCases.filter(\.isRequest).map(\.rawValue))
        XCTAssertEqual(try jsList("toSwift", in: "FRAME_KINDS"), SandboxMessage.Kind.allCases.filter { !$0.isRequest }.map(\.rawValue))
    }

    func testWorkerKindsAgreeBetweenSwiftAndJavaScript() throws {
        XCTAssertEqual(try jsList("toWorker", in: "WORKER_KINDS"), SandboxMessage.WorkerKind.allCases.filter(\.isToWorker).map(\.rawValue))
        XCTAssertEqual(try jsList("toHost", in: "WORKER_KINDS"), SandboxMessage.WorkerKind.allCases.filter { !$0.isToWorker }.map(\.rawValue))
    }

    /// The scripts send only listed kinds: a kind added on one side only fails here.
    func testScriptsSendOnlyListedKinds() throws {
        let host = try script("sandbox-host.js")
        let worker = try ["sandbox-worker.js", "sandbox-worker-errors.js", "sandbox-worker-run.js"].map(script).joined(separator: "\n")
        let toSwift = Set(SandboxMessage.Kind.allCases.filter { !$0.isRequest }.map(\.rawValue))
        let toWorker = Set(SandboxMessage.WorkerKind.allCases.filter(\.isToWorker).map(\.rawValue))
        let fromWorker = Set(SandboxMessage.WorkerKind.allCases.filter { !$0.isToWorker }.map(\.rawValue))

        // The host writes frames both as objects (emit) and as hand-spliced JSON text (emitLine).
        let hostFrames = literals(after: "type: \"", in: host).union(literals(after: "{\"type\":\"", in: host))
        XCTAssertFalse(hostFrames.isEmpty)
        XCTAssertTrue(hostFrames.isSubset(of: toSwift.union(["text/javascript", "module"])), "unlisted frame kinds: \(hostFrames.subtracting(toSwift))")
        XCTAssertTrue(hostFrames.isSuperset(of: toSwift), "listed but never sent: \(toSwift.subtracting(hostFrames))")

        let hostToWorker = literals(after: "t: \"", in: host)
        XCTAssertEqual(hostToWorker, toWorker)
        let workerSends = literals(after: "t: \"", in: worker)
        XCTAssertEqual(workerSends, fromWorker)
        let workerReads = literals(after: "m.t === \"", in: worker)
        XCTAssertEqual(workerReads, toWorker)
    }

    /// Each frame survives its wire form; an unknown kind is not a frame.
    func testFramesRoundTrip() throws {
        let frames: [SandboxMessage] = [
            .run(SandboxRunRequest(id: "r1", code: "async () => 1", functions: ["a_b"], listing: nil, timeoutMs: 100, maxLogBytes: 10)),
            .result(id: "r1", callID: 3, outcome: .success(["x": 1])),
            .result(id: "r1", callID: 4, outcome: .failure(JunctionError("not_found", "no such call"))),
            .cancel(id: "r1"), .ping(id: "p"), .pong(id: "p"), .ready,
            .call(id: "r1", callID: 5, name: "a_b", args: ["q": "s"]),
            .done(id: "r1", outcome: SandboxOutcome(ok: true, result: [1, 2], logs: ["hi"], errorName: nil, errorMessage: nil,
                                                     errorLine: nil, timedOut: false)),
            .done(id: "r1", outcome: .failure("Error", "boom", logs: [], timedOut: true)),
        ]
        for frame in frames {
            let text = frame.json.jsonString()
            let back = try XCTUnwrap(SandboxMessage(json: try JSONValue.parse(text)), text)
            XCTAssertEqual(back.json, frame.json, text)
            XCTAssertEqual(back.kind, frame.kind)
            let decoded = try JSONDecoder().decode(SandboxMessage.self, from: Data(text.utf8))
            XCTAssertEqual(decoded.json, frame.json)
        }
        XCTAssertNil(SandboxMessage(json: ["type": "launch", "id": "r1"]))
        XCTAssertNil(SandboxMessage(json: ["type": "call", "id": "r1"]), "a call without its name and call id is not a frame")
    }
}
