import Foundation
import Secrets
import Store
import XCTest

/// The base of the contract tests: a fresh store of `backend` per test (see
/// `StoreFactory`), closed and dropped after it. Subclasses test only through
/// `JunctionStore`; a `Postgres…` subclass of each runs the same tests against PostgreSQL
/// (`PostgresStoreContractTests.swift`).
class StoreContractTestCase: XCTestCase {
    /// The implementation under test; subclasses name another.
    class var backend: StoreBackend { .sqlite }

    var store: (any JunctionStore)!
    let box = SecretBox(keyring: .random())

    override func setUp() async throws {
        store = try await StoreFactory.makeStore(backend: Self.backend)
    }

    override func tearDown() async throws {
        try await StoreFactory.dispose(store)
        store = nil
    }

    /// The error `body` throws, as the store's enum (fails the test otherwise).
    func storeError(_ body: () async throws -> Void, line: UInt = #line) async -> StoreError? {
        do {
            try await body()
            XCTFail("expected a StoreError", line: line)
        } catch let error as StoreError {
            return error
        } catch {
            XCTFail("expected a StoreError, got \(error)", line: line)
        }
        return nil
    }
}
