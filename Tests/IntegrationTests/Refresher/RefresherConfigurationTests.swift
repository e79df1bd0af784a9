import Catalog
import Config
import Configuration
import Foundation
import Refresher
import XCTest

/// `RefresherConfiguration`: defaults, floors and errors naming the variable.
final class RefresherConfigurationTests: XCTestCase {
    private func refresher(_ environment: [String: String]) throws -> RefresherConfiguration {
        let key = Data(repeating: 2, count: 32).base64EncodedString()
        return try RefresherConfiguration(reader: ConfigReader(environment: environment.merging(["JUNCTION_MASTER_KEY": key]) { $1 }))
    }

    func testDefaults() throws {
        let config = try refresher([:])
        XCTAssertEqual(config.concurrency, 2)
        XCTAssertEqual(config.maxSpecBytes, 25 * 1024 * 1024)
        XCTAssertEqual(config.indexLimits, IndexLimits.standard)
        XCTAssertEqual(config.interval, .milliseconds(6 * 3600 * 1000))
        XCTAssertEqual(config.tick, .milliseconds(30_000))
        XCTAssertEqual(config.tokenLead, .milliseconds(300_000))
    }

    func testValuesAndFloors() throws {
        let config = try refresher(["JUNCTION_REFRESH_CONCURRENCY": "0", "JUNCTION_INDEX_MAX_NODES": "1000", "JUNCTION_INDEX_MAX_OPERATIONS": "7",
                                    "JUNCTION_REFRESH_INTERVAL_MS": "5", "JUNCTION_REFRESH_TICK_MS": "5", "JUNCTION_OAUTH_REFRESH_LEAD_MS": "0"])
        XCTAssertEqual(config.concurrency, 1)
        XCTAssertEqual(config.indexLimits, IndexLimits(maxNodes: 1000, maxOperations: 7))
        XCTAssertEqual(config.interval, .milliseconds(1000))
        XCTAssertEqual(config.tick, .milliseconds(100))
        XCTAssertEqual(config.tokenLead, .zero)
    }

    func testBadValuesStopStartUpNamingTheVariable() {
        for variable in ["JUNCTION_SPEC_MAX_BYTES", "JUNCTION_INDEX_MAX_NODES", "JUNCTION_REFRESH_INTERVAL_MS"] {
            XCTAssertThrowsError(try refresher([variable: "1e9"]), variable) { error in
                XCTAssertEqual((error as? ConfigurationError)?.variable, variable)
            }
        }
    }
}
