import Jobs
import JunctionCore
import XCTest

/// The W3C trace context rides in the job envelope from the frontend to the worker.
final class JobTraceContextTests: XCTestCase {
    func testTheTraceContextSurvivesTheEnvelopesJSON() throws {
        let trace = ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "k=v"]
        let job = JobEnvelope(kind: .execute, owner: "u1", body: ["code": "1"], trace: trace)
        let read = try XCTUnwrap(JobEnvelope(jsonText: job.jsonText))
        XCTAssertEqual(read.trace, trace)
        XCTAssertEqual(read, job)
        // The Codable form (tests, tools) agrees with the hand-written one.
        XCTAssertEqual(try JSONDecoder().decode(JobEnvelope.self, from: Data(job.jsonText.utf8)), job)
    }

    func testWithTracingOffAJobCarriesNoTraceKey() throws {
        let job = JobEnvelope(kind: .execute, owner: "u1", body: .null)
        XCTAssertNil(job.trace)
        XCTAssertNil(try JSONValue.parse(job.jsonText)["trace"], "off: the envelope is what it was before tracing")
    }

    func testAMalformedTraceMemberIsDroppedNotAnError() throws {
        let text = #"{"id":"j","kind":"exec","owner":"u","createdAt":1,"attempt":1,"body":null,"trace":{"traceparent":7,"x":[1]}}"#
        let read = try XCTUnwrap(JobEnvelope(jsonText: text))
        XCTAssertNil(read.trace)
        let notObject = #"{"id":"j","kind":"exec","owner":"u","createdAt":1,"attempt":1,"body":null,"trace":"00-ab"}"#
        XCTAssertNil(try XCTUnwrap(JobEnvelope(jsonText: notObject)).trace)
    }
}
