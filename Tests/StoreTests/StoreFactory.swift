import Foundation
import GRDB
import Store
import TestSupport

/// Which implementation a store test runs against.
enum StoreBackend: String, Sendable {
    case sqlite
    case postgres
}

/// The one place the store tests choose an implementation. `StoreContractTests` holds
/// only `any JunctionStore`; `PostgresStoreContractTests` runs the same tests against
/// PostgreSQL, each in a fresh database on the server `JUNCTION_TEST_DATABASE_URL` names.
enum StoreFactory {
    /// A fresh, empty, migrated store.
    static func makeStore(backend: StoreBackend = .sqlite) async throws -> any JunctionStore {
        switch backend {
        case .sqlite:
            return try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path)
        case .postgres:
            let url = try await PostgresTestServer.createDatabase()
            do {
                return try await PostgresStore.open(url: url, logger: PostgresTestServer.logger, maximumConnections: 4)
            } catch {
                try? await PostgresTestServer.dropDatabase(url.database)
                throw error
            }
        }
    }

    /// A second store on the same database as `store`, as another host (PostgreSQL) or
    /// another process on the host (SQLite) opens it: its own connections and its own
    /// in-memory caches. Close it with `dispose(_:dropping: false)`.
    static func openSecondStore(sharing store: any JunctionStore) async throws -> any JunctionStore {
        switch store {
        case let sqlite as SQLiteStore:
            return try SQLiteStore(path: sqlite.writer.path)
        case let postgres as PostgresStore:
            return try await PostgresStore.open(url: postgres.url, logger: PostgresTestServer.logger, maximumConnections: 4)
        default:
            preconditionFailure("unknown store \(type(of: store))")
        }
    }

    /// Closes a store made by `makeStore` and drops its database (PostgreSQL), unless
    /// `dropping` is false (a second store whose database the first one owns).
    static func dispose(_ store: (any JunctionStore)?, dropping: Bool = true) async throws {
        guard let postgres = store as? PostgresStore else { return }
        await postgres.close()
        if dropping { try await PostgresTestServer.dropDatabase(postgres.url.database) }
    }
}
