import Foundation
import Store
import TestSupport

/// The one place the store tests choose an implementation. `StoreContractTests` holds
/// only `any JunctionStore`; a second store (PostgreSQL) runs the same tests by returning
/// itself here, e.g. chosen by an environment variable.
enum StoreFactory {
    /// A fresh, empty, migrated store.
    static func makeStore() throws -> any JunctionStore {
        try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path)
    }
}
