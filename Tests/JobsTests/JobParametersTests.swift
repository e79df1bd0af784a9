import Foundation
import Jobs
import JunctionCore
import Runs
import XCTest

/// Typed job parameters: producers and handlers share one definition per kind, and the
/// retry policy follows the kind.
final class JobParametersTests: XCTestCase {
    func testEnvelopesCarryTypedParametersOfTheirKind() throws {
        let run = RunRequest(tool: .execute, code: "async () => 1", timeoutMs: 5_000, progress: true)
        let job = JobEnvelope(run, owner: "alice", replyTo: "f1")
        XCTAssertEqual(job.kind, .execute)
        XCTAssertEqual(job.body, run.json)
        XCTAssertEqual(try job.parameters(as: RunRequest.self), run)
        XCTAssertThrowsError(try job.parameters(as: RefreshRequest.self), "an execute job carries no refresh")

        let refresh = JobEnvelope(RefreshRequest(sourceID: "s1"), owner: "bob")
        XCTAssertEqual(refresh.kind, .refresh)
        XCTAssertEqual(refresh.body, ["sourceId": "s1"], "the wire form is unchanged")
        XCTAssertEqual(try refresh.parameters(as: RefreshRequest.self).sourceID, "s1")

        var broken = refresh
        broken.body = ["source": "s1"]
        XCTAssertThrowsError(try broken.parameters(as: RefreshRequest.self))
    }

    func testExecuteJobsAreAtMostOnceAndRefreshesRetried() {
        XCTAssertEqual(JobKind.execute.retry, .never)
        XCTAssertEqual(JobKind.refresh.retry, .upTo(attempts: 5))
    }
}
