import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import Runs
import Store
import Upstream

/// The MCP methods Junction answers, shared by every transport and revision.
extension MCPEndpoint {
    /// Who asked, and how the answer must be shaped.
    struct CallContext: Sendable {
        var id: JSONValue
        var user: User
        /// 2026-07-28: results carry `resultType`; errors map to HTTP statuses.
        var modern: Bool
        /// The protocol revision the answer is shaped for (which content block kinds exist).
        var version: String
        /// The handshake-era session, for `notifications/cancelled`.
        var session: String?
    }

    /// A method's outcome before it is framed as a JSON-RPC message.
    enum Answer: Sendable {
        case result(JSONValue)
        /// A result already serialised (a constant one, e.g. `tools/list`), spliced as is.
        case encoded(String)
        case error(code: Int, message: String)
    }

    /// `tools/list` never changes while the server runs: serialised once per revision
    /// family instead of on every request (the most frequent request of every client).
    static let toolsListModern: String = {
        JSONValue.object(["tools": ToolDefinitions.tools, "ttlMs": .number(Double(toolsTTLMs)), "cacheScope": "public",
                          "resultType": "complete"]).jsonString()
    }()
    static let toolsListHandshake: String = { JSONValue.object(["tools": ToolDefinitions.tools]).jsonString() }()

    /// A validated `tools/call` of `search` or `execute`.
    struct ToolCall: Sendable {
        var tool: RunRequest.Tool
        var code: String
    }

    enum ToolCallCheck {
        case call(ToolCall)
        case refused(Answer)
    }

    static let instructions = "Use `search` to find the user's API operations, then `execute` to call them from code."
    static let serverInfo: JSONValue = ["name": "junction", "title": "Junction", "version": "0.1.0"]
    static let capabilities: JSONValue = ["tools": ["listChanged": false]]
    /// The two tool definitions never change while a server runs and hold nothing
    /// user-specific, so clients and shared caches may keep them for an hour.
    static let toolsTTLMs = 3_600_000

    static func initializeResult(version: String) -> JSONValue {
        ["protocolVersion": .string(version), "capabilities": capabilities, "serverInfo": serverInfo, "instructions": .string(instructions)]
    }

    static let discoverResult: JSONValue = [
        "supportedVersions": .array(allVersions.map { .string($0) }), "capabilities": capabilities,
        "instructions": .string(instructions), "_meta": ["io.modelcontextprotocol/serverInfo": serverInfo],
        "ttlMs": .number(Double(toolsTTLMs)), "cacheScope": "public",
    ]

    /// Checks a `tools/call` before anything is queued.
    func toolCall(params: JSONValue) -> ToolCallCheck {
        guard let name = params["name"]?.stringValue else {
            return .refused(.error(code: JSONRPC.invalidParams, message: "tools/call needs params.name"))
        }
        guard let tool = RunRequest.Tool(rawValue: name) else {
            return .refused(.error(code: JSONRPC.invalidParams, message: "Unknown tool: \(name). Available tools: search, execute"))
        }
        guard let code = params["arguments"]?["code"]?.stringValue, !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .refused(.error(code: JSONRPC.invalidParams, message: "\(name) needs arguments.code: a non-empty string of JavaScript/TypeScript"))
        }
        guard code.utf8.count <= config.maxCodeBytes else {
            let refusal = RunResult.error("the code is larger than the limit of \(config.maxCodeBytes) bytes (maxCodeBytes)", code: "code_too_large")
            return .refused(.result(Self.toolResult(refusal, version: MCPProtocol.modern)))
        }
        return .call(ToolCall(tool: tool, code: code))
    }

    /// Answers one request (a `tools/call` runs to completion, without progress).
    func answer(method: String, params: JSONValue, context: CallContext) async -> Answer {
        switch method {
        case "ping":
            return .result(.object([:]))
        case "server/discover" where context.modern:
            return .result(Self.discoverResult)
        case "tools/list":
            return .encoded(context.modern ? Self.toolsListModern : Self.toolsListHandshake)
        case "tools/call":
            switch toolCall(params: params) {
            case .refused(let answer): return answer
            case .call(let call): return .result(Self.toolResult(await run(call, context: context), version: context.version))
            }
        case "resources/list":
            return .result(["resources": []])
        case "resources/templates/list":
            return .result(["resourceTemplates": []])
        case "prompts/list":
            return .result(["prompts": []])
        default:
            return .error(code: JSONRPC.methodNotFound, message: "Method not found: \(method)")
        }
    }

    /// Queues a tool call for the caller, bound to its session if it has one: a
    /// session that was not looked up yet (`sessionChecked: false`) is checked in the
    /// same round trip.
    func start(_ call: ToolCall, context: CallContext, sessionChecked: Bool = true, progress: Bool = false) async -> RunDispatcher.Start {
        var binding: RunSlots.SessionBinding?
        if let session = context.session {
            binding = sessions.binding(owner: context.user.id, session: session, requestID: context.id,
                                       runTTL: dispatcher.runLifetime, checked: sessionChecked)
            if binding == nil { return .sessionNotFound }
        }
        return await dispatcher.start(call.tool, code: call.code, owner: context.user.id, session: binding, progress: progress)
    }

    /// Runs a tool call for the caller to the end (its session already checked); progress
    /// events, when wanted, go to `onProgress`.
    func run(_ call: ToolCall, context: CallContext,
             onProgress: (@Sendable (RunDispatcher.Progress) async -> Void)? = nil) async -> RunResult {
        switch await start(call, context: context, progress: onProgress != nil) {
        case .started(let pending): return await dispatcher.finish(pending, onProgress: onProgress)
        case .refused(let result): return result
        case .sessionNotFound: return .error("the session has ended; initialize a new one", code: "session_not_found")
        }
    }

    /// The progress token of a request's `_meta`, when it has a usable one.
    static func progressToken(_ params: JSONValue) -> JSONValue? {
        params["_meta"]?["progressToken"].flatMap { token -> JSONValue? in
            switch token {
            case .string, .number: return token
            default: return nil
            }
        }
    }

    /// The JSON-RPC message for an answer.
    static func message(_ answer: Answer, context: CallContext) -> JSONValue {
        switch answer {
        case .encoded(let text):
            return message(.result((try? JSONValue.parse(Data(text.utf8))) ?? .object([:])), context: context)
        case .result(let value):
            guard context.modern, case .object(var object) = value else { return JSONRPC.result(id: context.id, value) }
            object["resultType"] = "complete"
            return JSONRPC.result(id: context.id, .object(object))
        case .error(let code, let message):
            return JSONRPC.error(id: context.id, code: code, message: message)
        }
    }

    /// The HTTP response for an answer: in 2026-07-28 an unknown method is 404 and
    /// invalid params 400, as the transport prescribes; earlier revisions answer 200.
    func respond(_ answer: Answer, context: CallContext) -> Response {
        var status = HTTPResponse.Status.ok
        if context.modern, case .error(let code, _) = answer {
            switch code {
            case JSONRPC.methodNotFound: status = .notFound
            case JSONRPC.invalidParams, JSONRPC.invalidRequest: status = .badRequest
            default: break
            }
        }
        if case .encoded(let text) = answer {
            // Keys in the order jsonString() writes them (sorted), so the output is the same.
            let body = "{\"id\":\(context.id.jsonString()),\"jsonrpc\":\"2.0\",\"result\":\(text)}"
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return JSONResponse.make(Self.message(answer, context: context), status: status)
    }

    /// The `tools/call` result of a run, its content blocks in kinds `version` has.
    static func toolResult(_ result: RunResult, version: String) -> JSONValue {
        ["content": ToolResultContent.blocks(result, version: version), "structuredContent": result.structured,
         "isError": .bool(result.isError)]
    }
}
