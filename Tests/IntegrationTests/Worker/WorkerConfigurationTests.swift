import Config
import Configuration
import Foundation
import TestSupport
import Worker
import XCTest

/// `WorkerConfiguration`: defaults, floors, where deno comes from, and errors naming the variable.
final class WorkerConfigurationTests: XCTestCase {
    static let base = ["JUNCTION_MASTER_KEY": Data(repeating: 4, count: 32).base64EncodedString(),
                       "JUNCTION_SANDBOX_HOST_SCRIPT": "/opt/host.js"]

    private func worker(_ environment: [String: String], searchPath: String? = nil) throws -> WorkerConfiguration {
        try WorkerConfiguration(reader: ConfigReader(environment: Self.base.merging(environment) { $1 }), searchPath: searchPath)
    }

    func testDefaults() throws {
        let config = try worker([:])
        XCTAssertEqual(config.sandbox.denoPath, "deno")
        XCTAssertEqual(config.sandbox.scriptPath, "/opt/host.js")
        XCTAssertEqual(config.sandbox.processes, 4)
        XCTAssertEqual(config.sandbox.concurrency, 4)
        XCTAssertEqual(config.sandbox.heapMB, 256)
        XCTAssertEqual(config.maxOutputChars, 24_000)
        XCTAssertEqual(config.upstreamTimeout, .milliseconds(30_000))
        XCTAssertEqual(config.upstreamMaxBytes, 1_000_000)
        XCTAssertEqual(config.limits.maxCallsPerRun, 50)
        XCTAssertEqual(config.limits.maxConcurrentCallsPerRun, 6)
        XCTAssertEqual(config.limits.attachments.maxCount, 10)
        XCTAssertEqual(config.limits.attachments.maxBytes, 5_000_000)
        XCTAssertEqual(config.mcpIdleTimeout, .milliseconds(300_000))
    }

    func testFloorsAndDeno() throws {
        let config = try worker(["JUNCTION_SANDBOX_PROCESSES": "0", "JUNCTION_SANDBOX_HEAP_MB": "1", "JUNCTION_MAX_OUTPUT_CHARS": "10",
                                 "JUNCTION_UPSTREAM_TIMEOUT_MS": "0", "JUNCTION_MAX_ATTACHMENTS_PER_RUN": "0"])
        XCTAssertEqual(config.sandbox.processes, 1)
        XCTAssertEqual(config.sandbox.heapMB, 32)
        XCTAssertEqual(config.maxOutputChars, 1000)
        XCTAssertEqual(config.upstreamTimeout, .milliseconds(100))
        XCTAssertEqual(config.limits.attachments.maxCount, 0)
        let deno = try TestEnvironment.deno()
        let folder = (deno as NSString).deletingLastPathComponent
        XCTAssertEqual(try worker([:], searchPath: "/nonexistent:\(folder)").sandbox.denoPath, "\(folder)/deno")
        XCTAssertEqual(try worker(["JUNCTION_DENO": "/usr/local/bin/deno"], searchPath: folder).sandbox.denoPath, "/usr/local/bin/deno")
    }

    func testBadValuesStopStartUpNamingTheVariable() {
        for variable in ["JUNCTION_SANDBOX_PROCESSES", "JUNCTION_MAX_CALLS_PER_RUN", "JUNCTION_MCP_IDLE_MS"] {
            XCTAssertThrowsError(try worker([variable: "many"]), variable) { error in
                XCTAssertEqual((error as? ConfigurationError)?.variable, variable)
                XCTAssertEqual((error as? ConfigurationError)?.message, "\(variable) must be a non-negative integer, got 'many'")
            }
        }
    }
}
