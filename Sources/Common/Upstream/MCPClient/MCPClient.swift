import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

/// A client of one remote MCP server. It negotiates once and then keeps what it
/// learnt: the stateless 2026-07-28 revision needs no handshake at all; the
/// `initialize` revisions keep their `Mcp-Session-Id` (a session the server forgot,
/// 404, is re-initialised once, transparently); the legacy HTTP+SSE transport keeps its
/// stream open. Concurrent requests share one negotiation.
package actor MCPClient {
    /// Limits and hints for a client.
    package struct Options: Sendable {
        /// Largest JSON response or SSE event accepted.
        package var maxMessageBytes = 1_000_000
        /// Deadline of the negotiation steps and of `tools/list` pages.
        package var requestTimeout: Duration = .seconds(30)
        /// What earlier connections found out (skips detection).
        package var remembered: MCPConnectionInfo?

        package init(maxMessageBytes: Int = 1_000_000, requestTimeout: Duration = .seconds(30), remembered: MCPConnectionInfo? = nil) {
            self.maxMessageBytes = maxMessageBytes
            self.requestTimeout = requestTimeout
            self.remembered = remembered
        }
    }

    private enum State {
        case idle
        case modern(version: String)
        case session(version: String, id: String?)
        case legacy(LegacySSEConnection, version: String)
    }

    private let http: StreamingUpstream
    private let url: URL
    private let credentials: MCPCredentials
    private let options: Options
    private var state: State = .idle
    private var connecting: Task<MCPConnectionInfo, Error>?
    private var nextID = 1
    private var info: MCPConnectionInfo?
    /// Round trips spent negotiating (`server/discover`, `initialize`, opening an SSE stream).
    package private(set) var handshakes = 0

    package init(http: StreamingUpstream, url: URL, credentials: MCPCredentials, options: Options = Options()) {
        self.http = http
        self.url = url
        self.credentials = credentials
        self.options = options
    }

    private var host: String { url.host ?? "the MCP server" }

    /// The next JSON-RPC request id.
    private func takeID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    // MARK: - public API

    /// Negotiates (once) and returns what was negotiated.
    @discardableResult
    package func connect() async throws -> MCPConnectionInfo {
        if let info, !isStale { return info }
        if let connecting { return try await connecting.value }
        let task = Task { try await self.negotiate() }
        connecting = task
        defer { connecting = nil }
        let result = try await task.value
        info = result
        return result
    }

    /// Every tool of the server, following `nextCursor` through all pages.
    package func listTools(maxPages: Int = 100) async throws -> [JSONValue] {
        var tools: [JSONValue] = []
        var cursor: String?
        var seen = Set<String>()
        for _ in 0..<maxPages {
            var params: [String: JSONValue] = [:]
            if let cursor { params["cursor"] = .string(cursor) }
            let result = try await request("tools/list", params: params, timeout: options.requestTimeout)
            tools += result["tools"]?.arrayValue ?? []
            guard let next = result["nextCursor"]?.stringValue, !next.isEmpty else { return tools }
            guard seen.insert(next).inserted else {
                throw UpstreamError.failed("\(host) repeated the tools/list cursor \(next)")
            }
            cursor = next
        }
        throw UpstreamError.failed("\(host) returned more than \(maxPages) pages of tools")
    }

    /// Calls a tool and returns its raw `CallToolResult`.
    package func callTool(name: String, arguments: JSONValue, inputSchema: JSONValue? = nil, timeout: Duration) async throws -> JSONValue {
        var extra: [(String, String)] = [("Mcp-Name", MCPProtocol.headerValue(name))]
        if let inputSchema { extra += MCPProtocol.parameterHeaders(schema: inputSchema, arguments: arguments) }
        return try await request("tools/call", params: ["name": .string(name), "arguments": arguments.isNull ? .object([:]) : arguments],
                                 timeout: timeout, extraHeaders: extra)
    }

    /// Ends the session (DELETE for a Streamable HTTP session, closing an SSE stream).
    package func close() async {
        let old = state
        state = .idle
        info = nil
        switch old {
        case .legacy(let connection, _):
            await connection.close()
        case .session(let version, let id?):
            var headers = [("Mcp-Session-Id", id), ("MCP-Protocol-Version", version)] + credentials.headers(for: url)
            headers.append(("Accept", "application/json, text/event-stream"))
            if let opened = try? await http.open(method: .DELETE, url: url, headers: headers, body: nil, deadline: .after(.seconds(5)),
                                                 sensitiveHeaders: credentials.sensitiveNames) {
                _ = try? await opened.collect(maxBytes: 64 * 1024)
            }
        default:
            break
        }
    }

    // MARK: - requests

    private var isStale: Bool {
        if case .idle = state { return true }
        return false
    }

    private func request(_ method: String, params: [String: JSONValue], timeout: Duration,
                         extraHeaders: [(String, String)] = []) async throws -> JSONValue {
        try await connect()
        var retried = false
        while true {
            do {
                return try await send(method, params: params, timeout: timeout, extraHeaders: extraHeaders)
            } catch UpstreamError.mcpSessionLost where !retried {
                // The server forgot our session (restart, expiry): negotiate again, once.
                retried = true
                if case .legacy(let connection, _) = state { await connection.close() }
                state = .idle
                info = nil
                try await connect()
            }
        }
    }

    private func send(_ method: String, params: [String: JSONValue], timeout: Duration,
                      extraHeaders: [(String, String)]) async throws -> JSONValue {
        let id = takeID()
        let message: JSONRPCMessage
        switch state {
        case .idle:
            throw UpstreamError.mcpTransport("not connected to \(host)")
        case .modern(let version):
            var p = params
            p["_meta"] = MCPProtocol.requestMeta(version: version)
            let exchange = try await post(JSONRPCMessage.makeRequest(id: id, method: method, params: .object(p)), id: id,
                                          method: method, version: version, sessionID: nil, extraHeaders: extraHeaders, timeout: timeout)
            message = try exchange.requireMessage(method: method, host: host)
        case .session(let version, let sessionID):
            let exchange = try await post(JSONRPCMessage.makeRequest(id: id, method: method, params: .object(params)), id: id,
                                          method: method, version: version, sessionID: sessionID, extraHeaders: extraHeaders, timeout: timeout)
            if exchange.status == 404 && sessionID != nil {
                throw UpstreamError.mcpSessionLost("\(host) no longer knows session \(sessionID!)")
            }
            message = try exchange.requireMessage(method: method, host: host)
        case .legacy(let connection, _):
            guard await connection.isOpen else {
                throw UpstreamError.mcpSessionLost("the SSE stream of \(host) ended")
            }
            message = try await connection.send(JSONRPCMessage.makeRequest(id: id, method: method, params: .object(params)), id: id, timeout: timeout)
        }
        return try Self.result(of: message, method: method, host: host)
    }

    private static func result(of message: JSONRPCMessage, method: String, host: String) throws -> JSONValue {
        switch message {
        case .response(_, let result):
            if let type = result["resultType"]?.stringValue, type != "complete" {
                throw UpstreamError.inputRequired("\(host) needs further input for \(method) (resultType \(type)); Junction cannot provide it")
            }
            return result
        case .error(_, let code, let text, _):
            throw MCPErrors.rpc(method, code: code, message: text, host: host)
        default:
            throw UpstreamError.mcpTransport("\(host) sent no response to \(method)")
        }
    }

    // MARK: - negotiation

    private func negotiate() async throws -> MCPConnectionInfo {
        if let remembered = options.remembered {
            switch remembered.transport {
            case .sse:
                return try await openLegacy()
            case .streamableHTTP:
                if remembered.protocolVersion == MCPProtocol.modern {
                    // Stateless: nothing to negotiate, requests carry their own metadata.
                    state = .modern(version: MCPProtocol.modern)
                    return remembered
                }
                return try await initialize(fallbackToSSE: false)
            }
        }
        if let modern = try await discover() { return modern }
        return try await initialize(fallbackToSSE: true)
    }

    /// Tries `server/discover`; nil means "use the handshake instead".
    private func discover() async throws -> MCPConnectionInfo? {
        handshakes += 1
        let id = takeID()
        let params: JSONValue = ["_meta": MCPProtocol.requestMeta(version: MCPProtocol.modern)]
        let exchange = try await post(JSONRPCMessage.makeRequest(id: id, method: "server/discover", params: params), id: id,
                                      method: "server/discover", version: MCPProtocol.modern, sessionID: nil, extraHeaders: [],
                                      timeout: options.requestTimeout)
        if exchange.status == 401 || exchange.status == 403 { throw MCPErrors.unauthorized(exchange.status, url: url) }
        guard let message = exchange.message else { return nil }
        if case .response(_, let result) = message,
           (result["supportedVersions"]?.arrayValue ?? []).contains(.string(MCPProtocol.modern)) {
            state = .modern(version: MCPProtocol.modern)
            let serverInfo = result["_meta"]?["io.modelcontextprotocol/serverInfo"]
            return MCPConnectionInfo(transport: .streamableHTTP, protocolVersion: MCPProtocol.modern,
                                     serverName: serverInfo?["name"]?.stringValue, serverVersion: serverInfo?["version"]?.stringValue)
        }
        return nil
    }

    private func initialize(fallbackToSSE: Bool) async throws -> MCPConnectionInfo {
        handshakes += 1
        let id = takeID()
        let exchange = try await post(JSONRPCMessage.makeRequest(id: id, method: "initialize", params: MCPProtocol.initializeParams), id: id,
                                      method: "initialize", version: nil, sessionID: nil, extraHeaders: [], timeout: options.requestTimeout)
        if exchange.status == 401 || exchange.status == 403 { throw MCPErrors.unauthorized(exchange.status, url: url) }
        guard let message = exchange.message else {
            if fallbackToSSE && (exchange.status == 400 || exchange.status == 404 || exchange.status == 405) {
                return try await openLegacy()
            }
            throw UpstreamError.mcpTransport("\(host) does not speak MCP at \(url.path) (HTTP \(exchange.status) to initialize)")
        }
        let result = try Self.result(of: message, method: "initialize", host: host)
        let version = result["protocolVersion"]?.stringValue ?? ""
        guard MCPProtocol.handshakeVersions.contains(version) || version == MCPProtocol.legacySSE else {
            throw UpstreamError.mcpVersion("\(host) speaks MCP \(version.isEmpty ? "(no version)" : version), which Junction does not support")
        }
        let sessionID = exchange.headers.first(name: "mcp-session-id")
        state = .session(version: version, id: sessionID)
        let note = try await post(JSONRPCMessage.makeNotification(method: "notifications/initialized"), id: nil,
                                  method: "notifications/initialized", version: version, sessionID: sessionID, extraHeaders: [],
                                  timeout: options.requestTimeout)
        if !(200..<300).contains(note.status) {
            throw UpstreamError.mcpTransport("\(host) refused notifications/initialized (HTTP \(note.status))")
        }
        return Self.handshakeInfo(.streamableHTTP, version: version, result: result)
    }

    private func openLegacy() async throws -> MCPConnectionInfo {
        handshakes += 1
        let connection = LegacySSEConnection(http: http, sseURL: url, credentials: credentials, maxEventBytes: options.maxMessageBytes)
        do {
            try await connection.start(timeout: options.requestTimeout)
            let id = takeID()
            let message = try await connection.send(JSONRPCMessage.makeRequest(id: id, method: "initialize", params: MCPProtocol.initializeParams), id: id,
                                                    timeout: options.requestTimeout)
            let result = try Self.result(of: message, method: "initialize", host: host)
            let version = result["protocolVersion"]?.stringValue ?? MCPProtocol.legacySSE
            try await connection.notify(JSONRPCMessage.makeNotification(method: "notifications/initialized"), timeout: options.requestTimeout)
            state = .legacy(connection, version: version)
            return Self.handshakeInfo(.sse, version: version, result: result)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// What an `initialize` result says about the server.
    private static func handshakeInfo(_ transport: MCPTransportKind, version: String, result: JSONValue) -> MCPConnectionInfo {
        MCPConnectionInfo(transport: transport, protocolVersion: version,
                          serverName: result["serverInfo"]?["name"]?.stringValue, serverVersion: result["serverInfo"]?["version"]?.stringValue)
    }

    // MARK: - one POST

    private func post(_ body: JSONValue, id: Int?, method: String, version: String?, sessionID: String?,
                      extraHeaders: [(String, String)], timeout: Duration) async throws -> PostExchange {
        var headers: [(String, String)] = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"),
                                           ("Mcp-Method", method)]
        if let version { headers.append(("MCP-Protocol-Version", version)) }
        if let sessionID { headers.append(("Mcp-Session-Id", sessionID)) }
        headers += extraHeaders
        headers += credentials.headers(for: url)
        let opened = try await http.open(method: .POST, url: url, headers: headers, body: Data(body.jsonString().utf8),
                                         deadline: .after(timeout), sensitiveHeaders: credentials.sensitiveNames)
        var exchange = PostExchange(status: opened.status, headers: opened.headers)
        if opened.contentType.hasPrefix("text/event-stream") {
            exchange.message = try await readStream(opened, id: id, method: method)
            if id != nil && exchange.message == nil {
                throw UpstreamError.disconnected("\(host) ended the stream before answering \(method)")
            }
            return exchange
        }
        let data = try await opened.collect(maxBytes: (200..<300).contains(opened.status) ? options.maxMessageBytes : 64 * 1024)
        guard !data.isEmpty else { return exchange }
        if opened.contentType.contains("json") || (200..<300).contains(opened.status) {
            guard let value = try? JSONValue.parse(data) else {
                if (200..<300).contains(opened.status) {
                    throw UpstreamError.invalid("\(host) answered \(method) with something that is not JSON: \(Self.snippet(data))")
                }
                return exchange
            }
            exchange.message = Self.pick(value, id: id)
        }
        return exchange
    }

    /// The message answering `id` in a JSON body (a single message or an old-style batch).
    private static func pick(_ value: JSONValue, id: Int?) -> JSONRPCMessage? {
        let messages = (value.arrayValue ?? [value]).compactMap(JSONRPCMessage.init)
        if let id, let match = messages.first(where: { $0.responseID?.intValue == id }) { return match }
        // Transport-level errors (e.g. a 400 for an unknown version) may carry no id.
        return messages.first { if case .error = $0 { return true } else { return false } }
    }

    /// Reads an SSE response until the response to `id` arrives; notifications before it
    /// (progress, log lines) are skipped.
    private func readStream(_ opened: StreamingUpstream.Opened, id: Int?, method: String) async throws -> JSONRPCMessage? {
        var parser = SSEParser(maxEventBytes: options.maxMessageBytes)
        var fallbackError: JSONRPCMessage?
        func consider(_ outputs: [SSEParser.Output]) throws -> JSONRPCMessage? {
            for output in outputs {
                switch output {
                case .oversized(let bytes):
                    throw UpstreamError.tooLarge("the answer of \(host) to \(method) is larger than the limit of \(options.maxMessageBytes) bytes (at least \(bytes) bytes)")
                case .event(let event):
                    guard event.event == "message", !event.data.isEmpty else { continue }
                    guard let value = try? JSONValue.parse(event.data) else {
                        throw UpstreamError.invalid("\(host) sent an SSE event that is not JSON: \(Self.snippet(Data(event.data.utf8)))")
                    }
                    for item in value.arrayValue ?? [value] {
                        guard let message = JSONRPCMessage(item) else { continue }
                        if let rid = message.responseID, rid.intValue == id { return message }
                        if case .error(nil, _, _, _) = message { fallbackError = message }
                        if case .request(let rid, let m, _) = message { answerServerRequest(id: rid, method: m) }
                    }
                }
            }
            return nil
        }
        do {
            for try await chunk in opened.body {
                if let message = try consider(parser.feed(chunk.readableBytesView)) { return message }
            }
            if let message = try consider(parser.finish()) { return message }
        } catch let error as any CodedError {
            throw error
        } catch {
            throw UpstreamHTTP.mapError(error, url: url)
        }
        return fallbackError
    }

    /// Servers of the handshake era may ask us things on a response stream; we answer a
    /// ping and decline the rest, so the server is not left waiting.
    private func answerServerRequest(id: JSONValue, method: String) {
        guard case .session(let version, let sessionID) = state else { return }
        let reply = method == "ping"
            ? JSONRPCMessage.makeResponse(id: id, result: .object([:]))
            : JSONRPCMessage.makeError(id: id, code: -32601, message: "Junction does not serve \(method)")
        Task {
            _ = try? await self.post(reply, id: nil, method: method, version: version, sessionID: sessionID, extraHeaders: [], timeout: .seconds(10))
        }
    }

    private static func snippet(_ data: Data) -> String {
        String(decoding: data.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
    }
}

/// What one POST to a Streamable HTTP endpoint returned.
struct PostExchange: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var message: JSONRPCMessage?

    func requireMessage(method: String, host: String) throws -> JSONRPCMessage {
        if status == 401 || status == 403 {
            throw UpstreamError.unauthorized("\(host) answered HTTP \(status) to \(method): the source's credentials are missing or were rejected")
        }
        if let message { return message }
        throw UpstreamError.mcpTransport("\(host) answered \(method) with HTTP \(status) and no JSON-RPC message")
    }
}
