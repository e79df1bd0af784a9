import Foundation
import JunctionMetrics
import TestSupport
import XCTest

/// `ops/docs/METRICS.md` documents exactly the metrics the code defines (`MetricCatalog`),
/// with their types and labels, and what the registry exports carries each definition's
/// help text, type and labels.
final class MetricsReferenceTests: XCTestCase {
    struct Row: Equatable {
        var name, type: String
        var labels: [String]
    }

    static func documented() throws -> [Row] {
        let text = try String(contentsOf: TestEnvironment.repoRoot.appendingPathComponent("ops/docs/METRICS.md"), encoding: .utf8)
        return text.split(separator: "\n").filter { $0.hasPrefix("| `junction_") }.map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let labels = cells[3].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }.filter { $0 != "—" }
            return Row(name: cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), type: cells[2], labels: labels)
        }
    }

    func testTheReferenceListsEveryMetricWithItsTypeAndLabels() throws {
        let documented = try Self.documented()
        let defined = MetricCatalog.all.map { Row(name: $0.name, type: $0.kind.rawValue, labels: $0.labels) }
        XCTAssertEqual(documented, defined)
        XCTAssertEqual(Set(defined.map(\.name)).count, defined.count, "a name is defined twice")
        for metric in MetricCatalog.all {
            XCTAssertTrue(metric.name.hasPrefix("junction_"), metric.name)
            XCTAssertEqual(metric.kind == .counter, metric.name.hasSuffix("_total"), "\(metric.name): counters, and only they, end in _total")
            if metric.kind == .histogram {
                XCTAssertTrue(metric.name.hasSuffix("_seconds"), metric.name)
                XCTAssertEqual(metric.buckets, metric.buckets.sorted(), metric.name)
                XCTAssertFalse(metric.buckets.isEmpty, metric.name)
            }
        }
    }

    func testTheExportCarriesHelpTypeAndLabelsOfEachDefinition() {
        JunctionMetricsFactory.bootstrap()
        MetricCatalog.upstreamCalls.increment(["source_type": "openapi", "outcome": "ok"])
        MetricCatalog.upstreamCallDuration.observe(.milliseconds(30), ["source_type": "openapi"])
        MetricCatalog.runsInFlight.set(2)
        let text = String(decoding: JunctionMetricsFactory.exposition(), as: UTF8.self)
        XCTAssertTrue(text.contains("# HELP junction_upstream_calls_total \(MetricCatalog.upstreamCalls.help)"), text)
        XCTAssertTrue(text.contains("# TYPE junction_upstream_calls_total counter"))
        XCTAssertTrue(text.contains(#"junction_upstream_calls_total{source_type="openapi",outcome="ok"}"#), text)
        XCTAssertTrue(text.contains("# TYPE junction_upstream_call_duration_seconds histogram"))
        XCTAssertTrue(text.contains(#"junction_upstream_call_duration_seconds_bucket{source_type="openapi",le="0.05"}"#), text)
        XCTAssertTrue(text.contains("junction_runs_in_flight 2"), text)
    }

    func testLabelValuesAreBounded() {
        XCTAssertEqual(MetricLabel.method("GET"), "GET")
        XCTAssertEqual(MetricLabel.method("BREW"), "other")
        XCTAssertEqual(MetricLabel.method("get"), "other")
        XCTAssertEqual(MetricLabel.status(404), "404")
        XCTAssertEqual(MetricLabel.status(1000), "other")
        XCTAssertEqual(MetricLabel.oneOf("mcp", ["openapi", "mcp"]), "mcp")
        XCTAssertEqual(MetricLabel.oneOf("stdio", ["openapi", "mcp"]), "other")
    }
}
