import JunctionCore

/// Why `StoreCopier` copied nothing. Messages name tables, columns and row numbers, never
/// a value: the rows hold password hashes, token hashes and sealed secrets.
package enum StoreCopyError: CodedError, CustomStringConvertible, Equatable {
    /// No SQLite file at the path (copying would create an empty one).
    case sourceMissing(path: String)
    /// The target already holds rows (table → count): the copy goes only into an empty database.
    case targetNotEmpty([String: Int])
    /// The two schemas do not match table for table, column for column.
    case schemaMismatch(String)
    /// A stored value does not convert to its PostgreSQL column's type.
    case badValue(table: String, column: String, row: Int, expected: String)
    /// After the copy the target does not hold as many rows as the source.
    case countMismatch(table: String, source: Int, target: Int)

    package var code: String {
        switch self {
        case .sourceMissing: "store_copy_source_missing"
        case .targetNotEmpty: "store_copy_target_not_empty"
        case .schemaMismatch: "store_copy_schema_mismatch"
        case .badValue: "store_copy_bad_value"
        case .countMismatch: "store_copy_count_mismatch"
        }
    }

    package var status: Int {
        switch self {
        case .sourceMissing: 404
        case .targetNotEmpty: 409
        case .schemaMismatch, .badValue, .countMismatch: 500
        }
    }

    package var message: String {
        switch self {
        case .sourceMissing(let path):
            "there is no SQLite store at \(path) (name it with --from, or set JUNCTION_DATABASE_PATH)"
        case .targetNotEmpty(let counts):
            "the target database already holds data ("
                + counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                + "); the store is copied only into a new, empty database, so nothing was copied"
        case .schemaMismatch(let detail):
            "the SQLite and PostgreSQL schemas differ (\(detail)); nothing was copied"
        case let .badValue(table, column, row, expected):
            "\(table).\(column) of row \(row) is not \(expected); nothing was copied"
        case let .countMismatch(table, source, target):
            "\(table) has \(source) rows in SQLite but \(target) in PostgreSQL after the copy; nothing was copied"
        }
    }

    package var description: String { "\(code): \(message)" }
}
