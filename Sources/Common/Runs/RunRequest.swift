import Jobs
import JunctionCore

/// The body of an execute-queue job: one `search` or `execute` call of a client.
package struct RunRequest: JobParameters, Codable, Equatable {
    package static let kind = JobKind.execute

    package enum Tool: String, Sendable, Codable { case search, execute }
    package var tool: Tool
    package var code: String
    /// Wall time the run may take, in milliseconds.
    package var timeoutMs: Int
    /// Whether the waiting frontend wants progress events (one per upstream call
    /// started and finished) on its reply stream.
    package var progress: Bool

    package init(tool: Tool, code: String, timeoutMs: Int, progress: Bool = false) {
        self.tool = tool
        self.code = code
        self.timeoutMs = timeoutMs
        self.progress = progress
    }

    package var json: JSONValue {
        var out: [String: JSONValue] = ["tool": .string(tool.rawValue), "code": .string(code), "timeoutMs": .number(Double(timeoutMs))]
        if progress { out["progress"] = true }
        return .object(out)
    }

    package init(json: JSONValue) throws {
        guard let tool = json["tool"]?.stringValue.flatMap(Tool.init(rawValue:)), let code = json["code"]?.stringValue else {
            throw JunctionError.badRequest("malformed run request")
        }
        self.init(tool: tool, code: code, timeoutMs: json["timeoutMs"]?.intValue ?? 30_000,
                  progress: json["progress"]?.boolValue ?? false)
    }
}

/// What a run produced, as the MCP tool result carries it: `structuredContent` is
/// `{result, logs, calls}` (or `{error, logs, calls}` when `isError`), and `attachments`
/// the MCP content blocks (image, audio, resource, resource_link) the result returned,
/// which follow the JSON text block in the order the result's notes number them.
package struct RunResult: Sendable, Equatable {
    package var isError: Bool
    package var structured: JSONValue
    package var attachments: [JSONValue]

    package init(isError: Bool, structured: JSONValue, attachments: [JSONValue] = []) {
        self.isError = isError
        self.structured = structured
        self.attachments = attachments
    }

    package var json: JSONValue {
        var out: [String: JSONValue] = ["isError": .bool(isError), "structuredContent": structured]
        if !attachments.isEmpty { out["attachments"] = .array(attachments) }
        return .object(out)
    }

    package init(json: JSONValue) {
        isError = json["isError"]?.boolValue ?? true
        structured = json["structuredContent"] ?? .null
        attachments = json["attachments"]?.arrayValue ?? []
    }

    /// A failed run that never reached the sandbox.
    package static func error(_ message: String, code: String) -> RunResult {
        RunResult(isError: true, structured: ["error": ["name": .string(code), "message": .string(message)],
                                              "logs": [], "calls": []])
    }
}
