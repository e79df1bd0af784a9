import Foundation
import JunctionCore
import JunctionTracing
import Logging
import Synchronization
import XCTest

/// `JUNCTION_LOG_FORMAT=json`: one JSON object per line, with the metadata provider's trace id.
final class JSONLogHandlerTests: XCTestCase {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    func testEveryRecordIsOneParsableLineWithItsMetadataAndTheTraceID() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"] }
        var logger = Logger(label: "junction.test") { label in
            JSONLogHandler(label: label, metadataProvider: provider, sink: { lines.append($0) })
        }
        logger.logLevel = .debug
        logger[metadataKey: "worker"] = "w1"
        logger.info("run finished", metadata: ["job": "j1", "nested": ["a": "1", "b": ["x", "y"]]])
        logger.debug("quote \" backslash \\ newline \n tab \t control \u{1}", metadata: ["message": "collides", "level": "too"])
        logger.error("failed", error: JunctionError("boom", "it broke"))

        XCTAssertEqual(lines.all.count, 3)
        var objects: [[String: JSONValue]] = []
        for line in lines.all {
            XCTAssertTrue(line.hasSuffix("\n"))
            XCTAssertFalse(line.dropLast().contains("\n"), "one record, one line: \(line)")
            objects.append(try XCTUnwrap(try JSONValue.parse(line).objectValue, line))
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), "Foundation reads it too")
        }
        let first = objects[0]
        XCTAssertEqual(first["message"], "run finished")
        XCTAssertEqual(first["level"], "info")
        XCTAssertEqual(first["logger"], "junction.test")
        XCTAssertEqual(first["job"], "j1")
        XCTAssertEqual(first["worker"], "w1")
        XCTAssertEqual(first["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        XCTAssertEqual(first["span_id"], "00f067aa0ba902b7")
        XCTAssertEqual(first["nested"], ["a": "1", "b": ["x", "y"]])
        XCTAssertNotNil(first["time"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }, "time is ISO 8601: \(first)")
        XCTAssertEqual(objects[1]["message"], "quote \" backslash \\ newline \n tab \t control \u{1}")
        XCTAssertEqual(objects[1]["meta.message"], "collides", "metadata never replaces the record's own fields")
        XCTAssertEqual(objects[1]["meta.level"], "too")
        XCTAssertEqual(objects[1]["level"], "debug")
        XCTAssertNotNil(objects[2]["error"]?.stringValue)
    }

    func testRecordsBelowTheLevelAreNotWritten() {
        let lines = Lines()
        var logger = Logger(label: "junction.test") { JSONLogHandler(label: $0, sink: { lines.append($0) }) }
        logger.logLevel = .info
        logger.debug("hidden")
        XCTAssertEqual(lines.all, [])
    }

    func testSwiftOTelDiagnosticsHaveTheirEnvironmentValuesRedacted() throws {
        let lines = Lines()
        let secret = "Authorization=Bearer collector-secret-\(UUID().uuidString)"
        let logger = Logger(label: "junction.otel") {
            RedactingLogHandler(JSONLogHandler(label: $0, sink: { lines.append($0) }))
        }
        logger.warning("Failed to update configuration from environment", metadata: [
            "environment_key": "OTEL_EXPORTER_OTLP_HEADERS", "environment_value": "\(secret)",
            "previous_value": "\(secret)", "new_value": "\(secret)",
        ])
        logger.warning("Failed to extract span context.", metadata: ["carrier": "[\"authorization\": \"\(secret)\"]"])
        XCTAssertEqual(lines.all.count, 2)
        for line in lines.all { XCTAssertFalse(line.contains("collector-secret"), line) }
        let first = try XCTUnwrap(try JSONValue.parse(lines.all[0]).objectValue)
        XCTAssertEqual(first["environment_key"], "OTEL_EXPORTER_OTLP_HEADERS")
        XCTAssertEqual(first["environment_value"], "<redacted>")
    }
}
