import JunctionCore
import Runs
import Store
import Upstream
@testable import Worker
import XCTest

/// How a finished run and an upstream call are labelled (`junction_runs_total`,
/// `junction_upstream_calls_total`) and what the status page may show of a run's error:
/// every label value from a fixed set, nothing the user's code chose.
final class RunMetricsTests: XCTestCase {
    func testRunOutcomes() {
        let ok = RunResult(isError: false, structured: ["result": 1, "logs": [], "calls": []])
        XCTAssertEqual(RunJobHandler.outcome(of: ok, cancelled: false), "ok")
        XCTAssertEqual(RunJobHandler.outcome(of: ok, cancelled: true), "cancelled")
        XCTAssertEqual(RunJobHandler.outcome(of: .error("late", code: "expired"), cancelled: false), "expired")
        XCTAssertEqual(RunJobHandler.outcome(of: .error("lost", code: "run_lost"), cancelled: false), "lost")
        XCTAssertEqual(RunJobHandler.outcome(of: .error("before start", code: "cancelled"), cancelled: false), "cancelled")
        let wall = RunResult(isError: true, structured: ["error": ["name": "TimeoutError", "message": "m", "limit": "wallTime"]])
        XCTAssertEqual(RunJobHandler.outcome(of: wall, cancelled: false), "timeout")
        let thrown = RunResult(isError: true, structured: ["error": ["name": "WhateverTheUserNamedIt", "message": "secret"]])
        XCTAssertEqual(RunJobHandler.outcome(of: thrown, cancelled: false), "error")
    }

    func testTheStatusPageShowsStandardNamesAndJunctionCodesOnly() {
        XCTAssertEqual(RunJobHandler.shownCode("TypeError"), "TypeError")
        XCTAssertEqual(RunJobHandler.shownCode("run_lost"), "run_lost")
        XCTAssertEqual(RunJobHandler.shownCode("expired"), "expired")
        XCTAssertEqual(RunJobHandler.shownCode("MyCustomError"), "other")
        XCTAssertEqual(RunJobHandler.shownCode("key_sk_live_4242"), "other")
        XCTAssertEqual(RunJobHandler.shownCode("a b"), "other")
        XCTAssertEqual(RunJobHandler.shownCode(nil), "")
    }

    func testUpstreamCallOutcomes() {
        XCTAssertEqual(RunJobHandler.callOutcome(["status": 200, "body": "x"], type: .openapi), "ok")
        XCTAssertEqual(RunJobHandler.callOutcome(["status": 404], type: .openapi), "http_4xx")
        XCTAssertEqual(RunJobHandler.callOutcome(["status": 503], type: .openapi), "http_5xx")
        XCTAssertEqual(RunJobHandler.callOutcome(["status": 503], type: .mcp), "ok", "an MCP result is not an HTTP answer")
        XCTAssertEqual(RunJobHandler.callOutcome(UpstreamError.timeout("slow")), "timeout")
        XCTAssertEqual(RunJobHandler.callOutcome(UpstreamError.toolFailed("no")), "tool_error")
        XCTAssertEqual(RunJobHandler.callOutcome(UpstreamError.outboundForbidden("no")), "refused")
        XCTAssertEqual(RunJobHandler.callOutcome(UpstreamError.unreachable("no")), "error")
        XCTAssertEqual(RunJobHandler.callOutcome(CancellationError()), "error")
    }
}
