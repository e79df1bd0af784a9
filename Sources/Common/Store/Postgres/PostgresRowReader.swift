import Foundation
import PostgresNIO

/// Reads a row's columns left to right, so a record decodes the columns its
/// `selectColumns` list names and a JOIN's extra columns follow (`Records+Postgres.swift`).
struct PostgresRowReader {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) {
        cells = row.makeIterator()
    }

    /// The next column as `T` (an optional type reads NULL as nil).
    mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self, file: String = #fileID, line: Int = #line) throws -> T {
        guard let cell = cells.next() else { throw StoreError.unavailable("PostgreSQL: a row has fewer columns than its decoder reads") }
        do {
            return try cell.decode(T.self, file: file, line: line)
        } catch let error as PostgresDecodingError {
            throw StoreError.unavailable("PostgreSQL: column \(error.columnName) (#\(error.columnIndex)) is not a \(T.self): \(error.code)")
        }
    }

    /// The next column, a text, as a `RawRepresentable` enum.
    mutating func next<T: RawRepresentable>(_ type: T.Type = T.self, file: String = #fileID, line: Int = #line) throws -> T where T.RawValue == String {
        let raw = try next(String.self, file: file, line: line)
        guard let value = T(rawValue: raw) else { throw StoreError.unavailable("PostgreSQL: '\(raw)' is not a \(T.self)") }
        return value
    }
}
