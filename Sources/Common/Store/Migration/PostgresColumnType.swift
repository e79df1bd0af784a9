import Foundation
import GRDB
import PostgresNIO

/// The PostgreSQL column types the store copy converts SQLite's dynamically typed values
/// to, read from `information_schema.columns.data_type`. Each value is bound with the type
/// PostgresNIO encodes it as and cast to the column's type in the statement (`$1::integer`),
/// so the server does the narrowing and refuses what does not fit.
package enum PostgresColumnType: Sendable, Equatable {
    case boolean
    case timestamp(String)
    case integer(String)
    case floating(String)
    case text(String)
    case bytea

    /// The type of a column whose `data_type` is `dataType`; nil for a type the copy does
    /// not know how to fill.
    package init?(dataType: String) {
        switch dataType {
        case "boolean": self = .boolean
        case "timestamp with time zone", "timestamp without time zone": self = .timestamp(dataType)
        case "bigint", "integer", "smallint": self = .integer(dataType)
        case "double precision", "real", "numeric": self = .floating(dataType)
        case "text", "character varying", "character", "json", "jsonb": self = .text(dataType)
        case "bytea": self = .bytea
        default: return nil
        }
    }

    /// The cast written after the placeholder.
    package var sqlName: String {
        switch self {
        case .boolean: "boolean"
        case .timestamp(let name), .integer(let name), .floating(let name), .text(let name): name
        case .bytea: "bytea"
        }
    }

    /// What a value must be, for error messages.
    var expected: String {
        switch self {
        case .boolean: "a boolean (0 or 1)"
        case .timestamp: "a date (GRDB's text or a Unix time)"
        case .integer: "an integer"
        case .floating: "a number"
        case .text: "text (UTF-8)"
        case .bytea: "bytes"
        }
    }

    /// Appends `value` converted to this type; false when it cannot be (the caller names
    /// the table, column and row). SQLite's NULL is NULL whatever the type. Throws only if
    /// PostgresNIO cannot encode a value it was given.
    package func bind(_ value: DatabaseValue, into bindings: inout PostgresBindings) throws -> Bool {
        if value.isNull {
            bindings.appendNull()
            return true
        }
        switch (self, value.storage) {
        case (.boolean, .int64(let n)) where n == 0 || n == 1:
            bindings.append(n == 1)
        case (.boolean, .double(let d)) where d == 0 || d == 1:
            bindings.append(d == 1)
        case (.boolean, .string(let s)) where ["0", "1", "true", "false"].contains(s.lowercased()):
            bindings.append(s == "1" || s.lowercased() == "true")
        case (.timestamp, _):
            // Exactly how SQLiteStore reads it back: GRDB's date text
            // ("2024-05-01 12:00:00.000", UTC) or a Unix time.
            guard let date = Date.fromDatabaseValue(value) else { return false }
            bindings.append(date)
        case (.integer, .int64(let n)):
            bindings.append(n)
        case (.integer, .double(let d)) where d.rounded() == d && abs(d) < 9.2e18:
            bindings.append(Int64(d))
        case (.integer, .string(let s)):
            guard let n = Int64(s) else { return false }
            bindings.append(n)
        case (.floating, .double(let d)):
            bindings.append(d)
        case (.floating, .int64(let n)):
            bindings.append(Double(n))
        case (.floating, .string(let s)):
            guard let d = Double(s) else { return false }
            bindings.append(d)
        case (.text, .string(let s)):
            bindings.append(s)
        case (.text, .int64(let n)):
            bindings.append(String(n))
        case (.text, .double(let d)):
            bindings.append(String(d))
        case (.text, .blob(let data)):
            guard let s = String(data: data, encoding: .utf8) else { return false }
            bindings.append(s)
        case (.bytea, .blob(let data)):
            try bindings.append(data)
        case (.bytea, .string(let s)):
            try bindings.append(Data(s.utf8))
        default:
            return false
        }
        return true
    }
}
