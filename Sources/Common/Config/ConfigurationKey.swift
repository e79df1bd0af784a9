import Configuration

/// One documented setting: the swift-configuration key the code reads, the environment
/// variable that key maps to, its default as the reference states it, and whether its value
/// is secret. Every key a configuration type reads is one of these, listed in that type's
/// `keys` and in `ops/docs/CONFIGURATION.md` (a test keeps the three in step).
package struct ConfigurationKey: Sendable, Hashable, CustomStringConvertible {
    /// A default as the reference states it.
    package enum Default: Sendable, Hashable {
        /// The value used when the variable is unset; setting the variable to it changes nothing.
        case value(String)
        /// Unset means off, empty or absent.
        case unset
        /// Computed from other settings or the system (explained in words).
        case derived(String)
    }

    /// The dotted key path, e.g. `junction.sandbox.processes`.
    package let key: String
    /// The environment variable it is read from, e.g. `JUNCTION_SANDBOX_PROCESSES`.
    package let variable: String
    package let defaultValue: Default
    /// Read with `isSecret`, so access reports and the environment provider redact it.
    package let isSecret: Bool

    package init(_ key: String, variable: String, default defaultValue: Default, secret: Bool = false) {
        self.key = key
        self.variable = variable
        self.defaultValue = defaultValue
        self.isSecret = secret
    }

    /// The key as swift-configuration addresses it.
    package var configKey: ConfigKey { ConfigKey(key) }

    /// The default as written in the reference's default column.
    package var documentedDefault: String {
        switch defaultValue {
        case .value(let value): "`\(value)`"
        case .unset: "—"
        case .derived(let text): text
        }
    }

    package var description: String { variable }
}
