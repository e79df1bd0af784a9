/// What `StoreCopier.copy` did: rows per table (counted in both databases), what it left
/// for PostgreSQL to derive, and whether the sealed values open with the keyring given.
package struct StoreCopySummary: Sendable, Equatable {
    /// One copied table: rows read from SQLite and counted in PostgreSQL afterwards (equal,
    /// or the copy was rolled back).
    package struct Table: Sendable, Equatable {
        package var name: String
        package var rows: Int

        package init(name: String, rows: Int) {
            self.name = name
            self.rows = rows
        }
    }

    /// What opening the copied sealed values with the configured keyring showed.
    package struct SealedCheck: Sendable, Equatable {
        /// Source secrets and upstream OAuth grants copied.
        package var total: Int
        /// How many of them open with the keyring.
        package var opened: Int

        package init(total: Int, opened: Int) {
            self.total = total
            self.opened = opened
        }
    }

    /// Copied tables, in the order they were copied (parents before children).
    package var tables: [Table]
    /// Tables not copied, each with why (PostgreSQL derives them, or they are SQLite's own).
    package var skipped: [(name: String, reason: String)]
    /// Nil when no keyring was given.
    package var sealed: SealedCheck?

    package static func == (a: StoreCopySummary, b: StoreCopySummary) -> Bool {
        a.tables == b.tables && a.sealed == b.sealed
            && a.skipped.map(\.name) == b.skipped.map(\.name) && a.skipped.map(\.reason) == b.skipped.map(\.reason)
    }

    /// Rows of `table`, 0 when it was not copied.
    package func rows(_ table: String) -> Int { tables.first { $0.name == table }?.rows ?? 0 }
}
