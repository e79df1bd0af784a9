import JunctionCore

/// How a sandbox run ended.
package struct SandboxOutcome: Sendable, Equatable {
    package var ok: Bool
    package var result: JSONValue
    package var logs: [String]
    package var errorName: String?
    package var errorMessage: String?
    /// 1-based line in the user's code where the error was thrown, when known.
    package var errorLine: Int?
    package var timedOut: Bool

    /// The `errorName` of a run whose host process stopped under it.
    package static let crashed = "SandboxCrashed"

    package static func failure(_ name: String, _ message: String, logs: [String] = [], timedOut: Bool = false) -> SandboxOutcome {
        SandboxOutcome(ok: false, result: .null, logs: logs, errorName: name, errorMessage: message, errorLine: nil, timedOut: timedOut)
    }
}

/// Performs the `codemode.*` calls a run makes (on the host side, outside the isolate).
package typealias SandboxCallHandler = @Sendable (_ name: String, _ args: JSONValue) async -> Result<JSONValue, JunctionError>
