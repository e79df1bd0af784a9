import JunctionCore

/// A setting with a value Junction cannot use; the process stops at start-up with a
/// message naming the environment variable.
package struct ConfigurationError: CodedError, CustomStringConvertible {
    /// The environment variable at fault.
    package let variable: String
    package let message: String

    package init(_ key: ConfigurationKey, _ message: String) {
        self.variable = key.variable
        self.message = message
    }

    package var code: String { "invalid_configuration" }
    package var status: Int { 500 }
    package var description: String { "\(code): \(message)" }
}
