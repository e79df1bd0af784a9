import Foundation
import XCTest

/// Every test of `StoreContractTests`, against PostgreSQL: a fresh database per test on the
/// server `JUNCTION_TEST_DATABASE_URL` names (`ops/test` starts one); without it each test
/// fails and says so.
///
/// XCTest on Linux finds only the test methods a class declares itself, so each contract
/// test is repeated here as an override; `testEveryContractTestRunsAgainstPostgreSQL`
/// fails when one of any `…ContractTests.swift` is missing.
final class PostgresStoreContractTests: StoreContractTests {
    override class var backend: StoreBackend { .postgres }

    func testEveryContractTestRunsAgainstPostgreSQL() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        func names(_ file: String, _ pattern: String) throws -> Set<String> {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: pattern)
            return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            })
        }
        let overridden = try names("PostgresStoreContractTests.swift", #"override func (test\w+)\("#)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix("ContractTests.swift") && !$0.hasPrefix("Postgres") }
        XCTAssertEqual(Set(files), ["StoreContractTests.swift", "UserAuthContractTests.swift", "CatalogContractTests.swift"])
        for file in files {
            let contract = try names(file, #"\n    func (test\w+)\("#)
            XCTAssertFalse(contract.isEmpty, file)
            XCTAssertEqual(contract.subtracting(overridden).sorted(), [], "tests of \(file) not run against PostgreSQL: add overrides here")
        }
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
    override func testStdioSourcesKeepTheirServerAndSecretsSealedToOwnerSourceAndServer() async throws {
        try await super.testStdioSourcesKeepTheirServerAndSecretsSealedToOwnerSourceAndServer()
    }
}

/// Every test of `UserAuthContractTests`, against PostgreSQL (see `PostgresStoreContractTests`).
final class PostgresUserAuthContractTests: UserAuthContractTests {
    override class var backend: StoreBackend { .postgres }

    override func testAccountsAreFoundByIdAndEmailListedOldestFirstAndKeepTheirPassword() async throws { try await super.testAccountsAreFoundByIdAndEmailListedOldestFirstAndKeepTheirPassword() }
    override func testConcurrentFirstSignInsMakeExactlyOneAdmin() async throws { try await super.testConcurrentFirstSignInsMakeExactlyOneAdmin() }
    override func testDisablingAUserEndsItsSessionsRefusesItsTokensAndBumpsTheEpoch() async throws { try await super.testDisablingAUserEndsItsSessionsRefusesItsTokensAndBumpsTheEpoch() }
    override func testGrantingAndTakingAdminChangesOnlyThatUserAndBumpsTheEpoch() async throws {
        try await super.testGrantingAndTakingAdminChangesOnlyThatUserAndBumpsTheEpoch()
    }
    override func testPersonalTokensAreListedNewestFirstAndRevokedOnlyByTheirOwner() async throws { try await super.testPersonalTokensAreListedNewestFirstAndRevokedOnlyByTheirOwner() }
    override func testUsingATokenLeavesTheAuthEpochAlone() async throws { try await super.testUsingATokenLeavesTheAuthEpochAlone() }
    override func testWebSessionsExpireAndEndOnLogout() async throws { try await super.testWebSessionsExpireAndEndOnLogout() }
    override func testTheAllowlistIsIdempotentSortedAndDeletable() async throws { try await super.testTheAllowlistIsIdempotentSortedAndDeletable() }
    override func testIdentitiesLinkByEmailOnceThenBySubjectOnly() async throws { try await super.testIdentitiesLinkByEmailOnceThenBySubjectOnly() }
    override func testClientsAreSavedSweptWhenUnusedAndMetadataDocumentsCapped() async throws { try await super.testClientsAreSavedSweptWhenUnusedAndMetadataDocumentsCapped() }
    override func testConsentIsRememberedPerUserAndClient() async throws { try await super.testConsentIsRememberedPerUserAndClient() }
    override func testACodeRedeemsOnceAndItsReplayRevokesTheFamily() async throws { try await super.testACodeRedeemsOnceAndItsReplayRevokesTheFamily() }
    override func testConcurrentRedemptionsOfOneCodeGiveOneFreshCode() async throws { try await super.testConcurrentRedemptionsOfOneCodeGiveOneFreshCode() }
    override func testRefreshTokensRotateOnceAndReuseRevokesTheFamily() async throws { try await super.testRefreshTokensRotateOnceAndReuseRevokesTheFamily() }
    override func testAccessTokensAnswerOnlyForTheirResourceAndOnlyTheirClientRevokes() async throws { try await super.testAccessTokensAnswerOnlyForTheirResourceAndOnlyTheirClientRevokes() }
    override func testAPendingSignInIsTakenOnceAndNotAfterItExpires() async throws { try await super.testAPendingSignInIsTakenOnceAndNotAfterItExpires() }
    override func testAnExecutionRoundTripsExactlyForItsOwner() async throws { try await super.testAnExecutionRoundTripsExactlyForItsOwner() }
}

/// Every test of `CatalogContractTests`, against PostgreSQL (see `PostgresStoreContractTests`).
final class PostgresCatalogContractTests: CatalogContractTests {
    override class var backend: StoreBackend { .postgres }

    override func testCallNamesStayAcrossRefreshesAndNewOnesNeverTakeAnOldName() async throws { try await super.testCallNamesStayAcrossRefreshesAndNewOnesNeverTakeAnOldName() }
    override func testConcurrentRefreshesOfOneOwnersSourcesNameApart() async throws { try await super.testConcurrentRefreshesOfOneOwnersSourcesNameApart() }
    override func testSearchFollowsRepeatedRefreshesAndRanksBeforeLimiting() async throws { try await super.testSearchFollowsRepeatedRefreshesAndRanksBeforeLimiting() }
    override func testFiltersApplyBeforeLimitingAndDisabledSourcesAreHidden() async throws { try await super.testFiltersApplyBeforeLimitingAndDisabledSourcesAreHidden() }
    override func testCombinedSpecAndLookupsCoverOnlyEnabledSources() async throws { try await super.testCombinedSpecAndLookupsCoverOnlyEnabledSources() }
    override func testASecondHostSeesCatalogChangesOnceNotified() async throws { try await super.testASecondHostSeesCatalogChangesOnceNotified() }
    override func testGrantsMCPStateAndTheSchedulersListingsStayWithTheirSource() async throws { try await super.testGrantsMCPStateAndTheSchedulersListingsStayWithTheirSource() }
}
