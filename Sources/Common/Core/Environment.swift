import Foundation

/// Reads configuration keys from the process environment (or a dictionary in tests).
package struct Environment: Sendable {
    package var values: [String: String]

    package init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    package func string(_ key: String) -> String? {
        guard let v = values[key], !v.isEmpty else { return nil }
        return v
    }

    package func string(_ key: String, default def: String) -> String { string(key) ?? def }

    package func int(_ key: String, default def: Int) throws -> Int {
        guard let raw = string(key) else { return def }
        guard let v = Int(raw), v >= 0 else {
            throw JunctionError("invalid_configuration", "\(key) must be a non-negative integer, got '\(raw)'")
        }
        return v
    }

    /// A non-negative finite number, or `def` when unset; a malformed value is an error
    /// rather than a silent fallback.
    package func double(_ key: String, default def: Double) throws -> Double {
        guard let raw = string(key) else { return def }
        guard let v = Double(raw), v.isFinite, v >= 0 else {
            throw JunctionError("invalid_configuration", "\(key) must be a non-negative number, got '\(raw)'")
        }
        return v
    }

    package func bool(_ key: String, default def: Bool = false) -> Bool {
        guard let raw = string(key)?.lowercased() else { return def }
        return ["1", "true", "yes", "on"].contains(raw)
    }
}
