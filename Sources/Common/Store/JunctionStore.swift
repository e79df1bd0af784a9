/// Everything Junction keeps: the five domain stores composed into one.
///
/// Callers (frontend, worker, refresher, `SourceAccess`) hold `any JunctionStore` and
/// `await` its methods; parameters and results are plain `Sendable` values, so no caller
/// sees SQL, a database handle or a driver type. `SQLiteStore` (GRDB) is the embedded
/// implementation; a second one (PostgreSQL) implements the same five protocols, and the
/// store tests run through this type (`StoreTestSupport.makeStore()`), so they can run
/// against either.
///
/// Split by domain so that each implementation file stays about one subject, and so a
/// component or a test can name the part it needs; composed into one because every
/// process opens one store and passes one handle around.
package protocol JunctionStore: UserStore, AuthorizationStore, SourceStore, CatalogStore, ExecutionStore {}
