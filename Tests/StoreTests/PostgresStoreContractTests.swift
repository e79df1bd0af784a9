import Foundation
import XCTest

/// Every test of `StoreContractTests`, against PostgreSQL: a fresh database per test on the
/// server `JUNCTION_TEST_DATABASE_URL` names (`ops/test` starts one); without it each test
/// fails and says so.
///
/// XCTest on Linux finds only the test methods a class declares itself, so each contract
/// test is repeated here as an override; `testEveryContractTestRunsAgainstPostgreSQL`
/// fails when one is missing.
final class PostgresStoreContractTests: StoreContractTests {
    override class var backend: StoreBackend { .postgres }

    func testEveryContractTestRunsAgainstPostgreSQL() throws {
        let here = URL(fileURLWithPath: #filePath)
        func names(_ file: String, _ pattern: String) throws -> Set<String> {
            let text = try String(contentsOf: here.deletingLastPathComponent().appendingPathComponent(file), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: pattern)
            return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            })
        }
        let contract = try names("StoreContractTests.swift", #"\n    func (test\w+)\("#)
        let overridden = try names("PostgresStoreContractTests.swift", #"override func (test\w+)\("#)
        XCTAssertFalse(contract.isEmpty)
        XCTAssertEqual(contract.subtracting(overridden).sorted(), [], "contract tests not run against PostgreSQL: add overrides here")
    }

    override func testUsersAndTokensRoundTripAndRefuseDuplicatesWithTheirCodes() async throws {
        try await super.testUsersAndTokensRoundTripAndRefuseDuplicatesWithTheirCodes()
    }
    override func testSourcesAndCatalogsAreScopedByOwner() async throws { try await super.testSourcesAndCatalogsAreScopedByOwner() }
    override func testIndexingWarningsArriveWithTheReadyStatusInOneWrite() async throws {
        try await super.testIndexingWarningsArriveWithTheReadyStatusInOneWrite()
    }
    override func testTransitionsFollowTheTableAndRefuseTheRest() async throws { try await super.testTransitionsFollowTheTableAndRefuseTheRest() }
    override func testTheTransitionTable() { super.testTheTransitionTable() }
    override func testAnEditMovesTheStatusOnlyAlongTheTable() async throws { try await super.testAnEditMovesTheStatusOnlyAlongTheTable() }
    override func testASecretIsBoundToItsOriginAndTheRefusalsKeepTheirCodes() async throws {
        try await super.testASecretIsBoundToItsOriginAndTheRefusalsKeepTheirCodes()
    }
    override func testExecutionsAreOwnerScopedNewestFirstWithAKeysetCursor() async throws {
        try await super.testExecutionsAreOwnerScopedNewestFirstWithAKeysetCursor()
    }
}
