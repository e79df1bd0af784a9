import Common
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `/mcp` over Streamable HTTP for the `initialize`-based revisions (2025-11-25,
/// 2025-06-18, 2025-03-26), answering with JSON.
struct MCPEndpoint: Sendable {
    static let supportedVersions = ["2025-11-25", "2025-06-18", "2025-03-26"]

    let auth: Authenticator
    let sessions: MCPSessionStore
    let dispatcher: RunDispatcher
    let config: FrontendConfiguration
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.post("/mcp") { request, _ in await self.post(request) }
        router.delete("/mcp") { request, _ in await self.delete(request) }
        router.get("/mcp") { request, _ in
            // No server-initiated stream is offered; clients fall back to plain POSTs.
            JSONResponse.make(["error": "this server does not offer a GET event stream"], status: .methodNotAllowed,
                              headers: [.allow: "POST, DELETE"])
        }
    }

    private func post(_ incoming: Request) async -> Response {
        var request = incoming
        if let denied = checkOrigin(request) { return denied }
        let user: User
        do { user = try auth.user(for: request) } catch let error as JunctionError {
            return JSONResponse.error(error, headers: [.wwwAuthenticate: "Bearer realm=\"junction\""])
        } catch {
            logger.error("authentication failed", metadata: ["error": "\(error)"])
            return JSONResponse.error(JunctionError("internal_error", "internal error"))
        }
        let body: ByteBuffer
        do { body = try await request.collectBody(limit: config.maxBodyBytes) } catch let error as JunctionError {
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: error.message),
                                     status: .contentTooLarge)
        } catch {
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "cannot read the body"), status: .badRequest)
        }
        guard let message = try? JSONValue.parse(Data(body.readableBytesView)) else {
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.parseError, message: "Parse error: the body is not valid JSON"),
                                     status: .badRequest)
        }
        guard case .object(let object) = message else {
            let text = message.arrayValue != nil ? "JSON-RPC batches are not supported" : "a JSON-RPC message must be an object"
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: text), status: .badRequest)
        }
        let id = object["id"] ?? .null
        guard object["jsonrpc"]?.stringValue == "2.0" else {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest, message: "jsonrpc must be \"2.0\""), status: .badRequest)
        }
        guard let method = object["method"]?.stringValue else {
            // A response or error from the client: nothing to answer.
            if object["result"] != nil || object["error"] != nil { return JSONResponse.empty(.accepted) }
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest, message: "missing method"), status: .badRequest)
        }
        switch id {
        case .string, .number, .null: break
        default:
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "id must be a string or a number"),
                                     status: .badRequest)
        }
        let isNotification = object["id"] == nil
        let params = object["params"] ?? .object([:])

        if method == "initialize" {
            guard !isNotification else { return JSONResponse.empty(.accepted) }
            return await initialize(id: id, params: params, user: user)
        }

        // Every other message belongs to a session.
        guard let sessionID = request.headers[.mcpSessionID] else {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest,
                                                   message: "Bad Request: missing Mcp-Session-Id header; send initialize first"),
                                     status: .badRequest)
        }
        let session: MCPSessionStore.Session?
        do { session = try await sessions.get(sessionID) } catch {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.internalError, message: "session store unavailable"),
                                     status: .serviceUnavailable)
        }
        guard let session, session.owner == user.id else {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest, message: "Session not found"), status: .notFound)
        }
        if let version = request.headers[.mcpProtocolVersion], !Self.supportedVersions.contains(version) {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest,
                                                   message: "Unsupported MCP-Protocol-Version \(version); supported: \(Self.supportedVersions.joined(separator: ", "))"),
                                     status: .badRequest)
        }
        if isNotification { return JSONResponse.empty(.accepted) }
        let reply = await handle(method: method, id: id, params: params, user: user)
        return JSONResponse.make(reply)
    }

    private func initialize(id: JSONValue, params: JSONValue, user: User) async -> Response {
        let requested = params["protocolVersion"]?.stringValue ?? ""
        let version = Self.supportedVersions.contains(requested) ? requested : Self.supportedVersions[0]
        let session: MCPSessionStore.Session
        do { session = try await sessions.create(owner: user.id, protocolVersion: version) } catch {
            logger.error("cannot create session", metadata: ["error": "\(error)"])
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.internalError, message: "session store unavailable"),
                                     status: .serviceUnavailable)
        }
        let result: JSONValue = [
            "protocolVersion": .string(version),
            "capabilities": ["tools": ["listChanged": false]],
            "serverInfo": ["name": "junction", "title": "Junction", "version": "0.1.0"],
            "instructions": "Use `search` to find the user's API operations, then `execute` to call them from code.",
        ]
        return JSONResponse.make(JSONRPC.result(id: id, result), headers: [.mcpSessionID: session.id])
    }

    private func handle(method: String, id: JSONValue, params: JSONValue, user: User) async -> JSONValue {
        switch method {
        case "ping":
            return JSONRPC.result(id: id, .object([:]))
        case "tools/list":
            return JSONRPC.result(id: id, ["tools": ToolDefinitions.tools])
        case "tools/call":
            guard let name = params["name"]?.stringValue else {
                return JSONRPC.error(id: id, code: JSONRPC.invalidParams, message: "tools/call needs params.name")
            }
            guard let tool = RunRequest.Tool(rawValue: name) else {
                return JSONRPC.error(id: id, code: JSONRPC.invalidParams, message: "Unknown tool: \(name). Available tools: search, execute")
            }
            guard let code = params["arguments"]?["code"]?.stringValue, !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return JSONRPC.error(id: id, code: JSONRPC.invalidParams, message: "\(name) needs arguments.code: a non-empty string of JavaScript/TypeScript")
            }
            guard code.utf8.count <= config.maxCodeBytes else {
                return JSONRPC.result(id: id, Self.toolResult(.error("the code is larger than the limit of \(config.maxCodeBytes) bytes (maxCodeBytes)", code: "code_too_large")))
            }
            let result = await dispatcher.run(tool, code: code, owner: user.id)
            return JSONRPC.result(id: id, Self.toolResult(result))
        case "resources/list":
            return JSONRPC.result(id: id, ["resources": []])
        case "prompts/list":
            return JSONRPC.result(id: id, ["prompts": []])
        default:
            return JSONRPC.error(id: id, code: JSONRPC.methodNotFound, message: "Method not found: \(method)")
        }
    }

    static func toolResult(_ result: RunResult) -> JSONValue {
        // The text twin is exactly the structured content, as the MCP spec recommends.
        ["content": [["type": "text", "text": .string(result.structured.jsonString())]], "structuredContent": result.structured,
         "isError": .bool(result.isError)]
    }

    private func delete(_ request: Request) async -> Response {
        if let denied = checkOrigin(request) { return denied }
        guard let user = try? auth.user(for: request) else {
            return JSONResponse.error(.unauthorized("missing or invalid bearer token"), headers: [.wwwAuthenticate: "Bearer realm=\"junction\""])
        }
        guard let sessionID = request.headers[.mcpSessionID] else {
            return JSONResponse.error(.badRequest("missing Mcp-Session-Id header"))
        }
        guard let session = try? await sessions.get(sessionID), session.owner == user.id else {
            return JSONResponse.error(.notFound("Session not found"))
        }
        try? await sessions.delete(session.id)
        return JSONResponse.empty(.noContent)
    }

    /// Browsers send `Origin`; only Junction's own origin, loopback, and configured
    /// origins may call /mcp (DNS-rebinding protection).
    private func checkOrigin(_ request: Request) -> Response? {
        guard let origin = request.headers[.origin]?.lowercased() else { return nil }
        if origin == "null" { return JSONResponse.error(JunctionError("forbidden_origin", "requests from opaque origins are not allowed", status: 403)) }
        if config.allowedOrigins.contains(origin) { return nil }
        if let own = URL(string: config.publicURL), UpstreamHTTP.originString(own).lowercased() == origin { return nil }
        if let url = URL(string: origin), let host = url.host?.lowercased(), ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host) { return nil }
        return JSONResponse.error(JunctionError("forbidden_origin", "origin \(origin) is not allowed", status: 403))
    }
}
