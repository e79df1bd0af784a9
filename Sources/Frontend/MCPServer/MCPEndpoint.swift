import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionMetrics
import Logging
import Runs
import Store
import Upstream

/// `/mcp` over Streamable HTTP for every revision Junction serves: the stateless
/// 2026-07-28 (per-request `_meta`, `server/discover`) and the `initialize`-based
/// 2025-11-25, 2025-06-18 and 2025-03-26 (sessions in Redis, so any instance serves
/// any session). Answers JSON, or an SSE stream for tool calls when the client accepts
/// one. The deprecated HTTP+SSE transport lives in `MCPEndpoint+LegacySSE.swift`.
struct MCPEndpoint: Sendable {
    static let modernVersions = [MCPProtocol.modern]
    static let handshakeVersions = ["2025-11-25", "2025-06-18", "2025-03-26"]
    /// Every version, newest first (what `server/discover` and -32022 errors list).
    static let allVersions = modernVersions + handshakeVersions

    let auth: Authenticator
    let sessions: MCPSessionStore
    let streams: LegacySSESessionStore
    let dispatcher: RunDispatcher
    let limiter: RateLimiter
    /// Token → user while the store's auth epoch is unchanged (`JUNCTION_AUTH_CACHE_MS`), see `UserCache`.
    let users: UserCache
    let config: FrontendConfiguration
    let logger: Logger
    /// Keep-alive comments of every tool-call event stream (`JUNCTION_SSE_KEEPALIVE_MS`).
    let keepAlive: KeepAliveTicker

    var origins: OriginPolicy { OriginPolicy(publicURL: config.publicURL, allowed: config.allowedOrigins) }

    func register(on router: Router<FrontendContext>) {
        let group = router.group().add(middleware: CORSMiddleware<FrontendContext>(origins: origins))
        let authenticated = group.group().add(middleware: MCPAuthMiddleware(endpoint: self))
        authenticated.post("/mcp") { request, context in await self.post(request, user: try context.requireIdentity().user) }
        authenticated.delete("/mcp") { request, context in await self.delete(request, user: try context.requireIdentity().user) }
        authenticated.get("/sse") { request, context in await self.openLegacyStream(request, user: try context.requireIdentity().user) }
        authenticated.post("/messages") { request, context in await self.postLegacyMessage(request, user: try context.requireIdentity().user) }
        group.get("/mcp") { request, _ in
            // No server-initiated stream is offered (2026-07-28 removed it; older clients fall back to POSTs).
            if let denied = checkOrigin(request) { return denied }
            return JSONResponse.make(["error": "this server does not offer a GET event stream"], status: .methodNotAllowed,
                                     headers: [.allow: "POST, DELETE, OPTIONS"])
        }
        for path in ["/mcp", "/sse", "/messages"] {
            // Preflights from allowed origins are answered by the CORS middleware.
            group.on(RouterPath(path), method: .options) { request, _ in
                if let denied = checkOrigin(request) { return denied }
                return Response(status: .noContent, headers: [.allow: "GET, POST, DELETE, OPTIONS"])
            }
        }
    }

    // MARK: admission (shared by every route)

    /// 429 with `Retry-After` when the user's token bucket is empty. If Redis is down the
    /// request goes ahead: the run itself will then report the queue as unavailable.
    func rateLimit(_ user: User) async -> Response? {
        guard limiter.isEnabled, case .limited(let ms)? = try? await limiter.take(owner: user.id) else { return nil }
        MetricCatalog.rateLimitRefusals.increment(["limit": "mcp"])
        let seconds = max(1, Int((Double(ms) / 1000).rounded(.up)))
        return JSONResponse.make(
            JSONRPC.error(id: .null, code: JSONRPC.serverError,
                          message: "rate limit exceeded: at most \(limiter.ratePerSecond) requests per second (burst \(limiter.burst)); retry after \(seconds) s",
                          data: ["retryAfterMs": .number(Double(ms))]),
            status: .tooManyRequests, headers: [.retryAfter: String(seconds)])
    }

    /// Browsers send `Origin`; only Junction's own origin, loopback, and configured
    /// origins may call (DNS-rebinding protection). 403 with a JSON-RPC error without id.
    func checkOrigin(_ request: Request) -> Response? {
        guard let origin = request.headers[.origin], let reason = origins.refusal(for: origin) else { return nil }
        return JSONResponse.make(["jsonrpc": "2.0", "error": ["code": .number(Double(JSONRPC.invalidRequest)), "message": .string("Forbidden: \(reason)")]],
                                 status: .forbidden)
    }

    /// Reads and parses one JSON-RPC message: the body is read only up to the limit
    /// (413 beyond it), and malformed messages get the JSON-RPC error for their defect.
    func readMessage(_ request: inout Request) async -> ReadOutcome {
        let body: ByteBuffer
        do { body = try await request.collectBody(limit: config.maxBodyBytes) } catch let error as JunctionError {
            return .refused(ClosingResponse.json(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: error.message),
                                                 status: .contentTooLarge))
        } catch {
            return .refused(JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "cannot read the body"),
                                              status: .badRequest))
        }
        switch JSONRPCRequest.parse(Data(body.readableBytesView)) {
        case .success(let message): return .message(message)
        case .failure(let rejection):
            return .refused(JSONResponse.make(JSONRPC.error(id: rejection.id, code: rejection.code, message: rejection.message),
                                              status: .badRequest))
        }
    }

    enum ReadOutcome {
        case message(JSONRPCRequest)
        case refused(Response)
    }

    // MARK: POST /mcp

    /// `POST /mcp` from `user` (origin and credentials already checked by `MCPAuthMiddleware`).
    private func post(_ incoming: Request, user: User) async -> Response {
        var request = incoming
        if let limited = await rateLimit(user) { return limited }
        let message: JSONRPCRequest
        switch await readMessage(&request) {
        case .message(let m): message = m
        case .refused(let response): return response
        }
        guard let method = message.method else { return JSONResponse.empty(.accepted) }  // a client's response: nothing to answer
        let sessionID = request.headers[.mcpSessionID]
        let era = ProtocolEra.classify(method: method, params: message.params, sessionHeader: sessionID,
                                       versionHeader: request.headers[.mcpProtocolVersion])
        switch era {
        case .modern: return await postModern(request, message: message, method: method, user: user)
        case .handshake: return await postHandshake(request, message: message, method: method, user: user, sessionID: sessionID)
        }
    }

    private func postModern(_ request: Request, message: JSONRPCRequest, method: String, user: User) async -> Response {
        // This revision defines no client notifications over HTTP; accept and ignore any.
        if message.isNotification { return JSONResponse.empty(.accepted) }
        let headers = ModernRequest.Headers(protocolVersion: request.headers[.mcpProtocolVersion], method: request.headers[.mcpMethod],
                                            name: request.headers[.mcpName])
        if case .failure(let rejection) = ModernRequest.validate(method: method, params: message.params, headers: headers,
                                                                 supported: Self.modernVersions, advertised: Self.allVersions) {
            return JSONResponse.make(JSONRPC.error(id: message.id, code: rejection.code, message: rejection.message, data: rejection.data),
                                     status: .badRequest)
        }
        let context = CallContext(id: message.id, user: user, modern: true, version: MCPProtocol.modern, session: nil)
        if method == "tools/call" { return await postToolCall(request, params: message.params, context: context) }
        return respond(await answer(method: method, params: message.params, context: context), context: context)
    }

    private func postHandshake(_ request: Request, message: JSONRPCRequest, method: String, user: User, sessionID: String?) async -> Response {
        let id = message.id
        if method == "initialize" {
            guard !message.isNotification else { return JSONResponse.empty(.accepted) }
            return await initialize(id: id, params: message.params, user: user)
        }
        // Every other message belongs to a session.
        guard let sessionID else {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest,
                                                   message: "Bad Request: missing Mcp-Session-Id header; send initialize first (or use protocol \(MCPProtocol.modern) with per-request _meta)"),
                                     status: .badRequest)
        }
        if let version = request.headers[.mcpProtocolVersion], !Self.handshakeVersions.contains(version) {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest,
                                                   message: "Unsupported MCP-Protocol-Version \(version); supported: \(Self.handshakeVersions.joined(separator: ", "))"),
                                     status: .badRequest)
        }
        // Without the header a client speaks 2025-03-26, as the transport prescribes.
        let version = request.headers[.mcpProtocolVersion] ?? "2025-03-26"
        if method == "tools/call", !message.isNotification {
            // The session is checked by the script that queues the run: no round trip of its own.
            let context = CallContext(id: id, user: user, modern: false, version: version, session: sessionID)
            return await postToolCall(request, params: message.params, context: context, sessionChecked: false)
        }
        let session: MCPSessionStore.Session?
        do { session = try await sessions.get(sessionID, owner: user.id) } catch {
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.internalError, message: "session store unavailable"),
                                     status: .serviceUnavailable)
        }
        guard let session else { return Self.sessionNotFound(id: id) }
        if message.isNotification {
            if method == "notifications/cancelled" { await cancelSessionRun(owner: user.id, session: session.id, params: message.params) }
            return JSONResponse.empty(.accepted)
        }
        let context = CallContext(id: id, user: user, modern: false, version: version, session: session.id)
        return respond(await answer(method: method, params: message.params, context: context), context: context)
    }

    static func sessionNotFound(id: JSONValue) -> Response {
        JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.invalidRequest, message: "Session not found"), status: .notFound)
    }

    /// A `tools/call`: queued first, so that a refusal (or, with `sessionChecked: false`,
    /// an unknown session) is the answer itself; then answered as an event stream when
    /// the client accepts one, else as one JSON message.
    private func postToolCall(_ request: Request, params: JSONValue, context: CallContext, sessionChecked: Bool = true) async -> Response {
        let call: ToolCall
        switch toolCall(params: params) {
        case .refused(let answer): return respond(answer, context: context)
        case .call(let c): call = c
        }
        let streaming = accepts(request, "text/event-stream")
        let progressToken = streaming ? Self.progressToken(params) : nil
        switch await start(call, context: context, sessionChecked: sessionChecked, progress: progressToken != nil) {
        case .sessionNotFound:
            return Self.sessionNotFound(id: context.id)
        case .refused(let result):
            return respond(.result(Self.toolResult(result, version: context.version)), context: context)
        case .started(let pending):
            if streaming { return streamRun(pending, progressToken: progressToken, context: context) }
            return respond(.result(Self.toolResult(await dispatcher.finish(pending), version: context.version)), context: context)
        }
    }

    /// `notifications/cancelled` names a request of the session; the run answering it is
    /// cancelled wherever it runs.
    func cancelSessionRun(owner: String, session: String, params: JSONValue) async {
        guard let requestID = params["requestId"],
              let jobID = await sessions.run(owner: owner, session: session, requestID: requestID) else { return }
        logger.info("client cancelled a run", metadata: ["job": "\(jobID)"])
        await dispatcher.cancel(jobID: jobID)
    }

    private func initialize(id: JSONValue, params: JSONValue, user: User) async -> Response {
        let requested = params["protocolVersion"]?.stringValue ?? ""
        let version = Self.handshakeVersions.contains(requested) ? requested : Self.handshakeVersions[0]
        let session: MCPSessionStore.Session
        do { session = try await sessions.create(owner: user.id, protocolVersion: version) } catch {
            logger.error("cannot create session", metadata: ["error": "\(error)"])
            return JSONResponse.make(JSONRPC.error(id: id, code: JSONRPC.internalError, message: "session store unavailable"),
                                     status: .serviceUnavailable)
        }
        return JSONResponse.make(JSONRPC.result(id: id, Self.initializeResult(version: version)), headers: [.mcpSessionID: session.id])
    }

    private func delete(_ request: Request, user: User) async -> Response {
        guard let sessionID = request.headers[.mcpSessionID] else {
            // 2026-07-28 has no sessions: DELETE means nothing there.
            return JSONResponse.make(["error": "DELETE ends an Mcp-Session-Id session; this request has none"], status: .methodNotAllowed,
                                     headers: [.allow: "POST, OPTIONS"])
        }
        guard let session = try? await sessions.get(sessionID, owner: user.id) else {
            return JSONResponse.error(JunctionError.notFound("Session not found"))
        }
        try? await sessions.delete(session.id, owner: user.id)
        return JSONResponse.empty(.noContent)
    }

    func accepts(_ request: Request, _ type: String) -> Bool {
        request.headers[values: .accept].contains { $0.lowercased().contains(type) }
    }
}
