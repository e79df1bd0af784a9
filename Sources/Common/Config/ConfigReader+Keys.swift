import Configuration
import Foundation

extension ConfigReader {
    /// A reader of environment variables (the process's unless given), which is where Junction
    /// reads all of its configuration from. The variables of the secret keys among `keys`
    /// are marked secret, so the provider's debug description redacts them. `accessReporter`
    /// hears every read (tests record them).
    package init(environment: [String: String] = ProcessInfo.processInfo.environment, keys: [ConfigurationKey] = [],
                 accessReporter: (any AccessReporter)? = nil) {
        let secrets = Set(keys.filter(\.isSecret).map(\.variable))
        self.init(provider: EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(secrets)),
                  accessReporter: accessReporter)
    }

    /// The key's value; an empty value counts as unset.
    package func string(_ key: ConfigurationKey, fileID: String = #fileID, line: UInt = #line) -> String? {
        guard let value = string(forKey: key.configKey, isSecret: key.isSecret, fileID: fileID, line: line), !value.isEmpty else {
            return nil
        }
        return value
    }

    package func string(_ key: ConfigurationKey, default defaultValue: String, fileID: String = #fileID, line: UInt = #line) -> String {
        string(key, fileID: fileID, line: line) ?? defaultValue
    }

    /// A non-negative integer, or `defaultValue` when unset; a malformed value is an error
    /// naming the variable rather than a silent fallback.
    package func int(_ key: ConfigurationKey, default defaultValue: Int, fileID: String = #fileID, line: UInt = #line) throws -> Int {
        guard let raw = string(key, fileID: fileID, line: line) else { return defaultValue }
        guard let value = Int(raw), value >= 0 else {
            throw ConfigurationError(key, "\(key.variable) must be a non-negative integer, got '\(raw)'")
        }
        return value
    }

    /// A non-negative finite number, or `defaultValue` when unset; a malformed value is an
    /// error rather than a silent fallback.
    package func double(_ key: ConfigurationKey, default defaultValue: Double, fileID: String = #fileID, line: UInt = #line) throws -> Double {
        guard let raw = string(key, fileID: fileID, line: line) else { return defaultValue }
        guard let value = Double(raw), value.isFinite, value >= 0 else {
            throw ConfigurationError(key, "\(key.variable) must be a non-negative number, got '\(raw)'")
        }
        return value
    }

    /// `1`, `true`, `yes` or `on` (any case) is true; anything else set is false.
    package func bool(_ key: ConfigurationKey, default defaultValue: Bool = false, fileID: String = #fileID, line: UInt = #line) -> Bool {
        guard let raw = string(key, fileID: fileID, line: line)?.lowercased() else { return defaultValue }
        return ["1", "true", "yes", "on"].contains(raw)
    }

    /// A comma-separated list, each item trimmed and lowercased, empty items dropped.
    package func lowercasedList(_ key: ConfigurationKey, fileID: String = #fileID, line: UInt = #line) -> [String] {
        (string(key, fileID: fileID, line: line) ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }
}
