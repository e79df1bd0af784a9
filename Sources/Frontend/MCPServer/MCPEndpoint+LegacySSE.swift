import Foundation
import Hummingbird
import Jobs
import JunctionCore
import Logging
import Runs
import Store
import Upstream

/// The deprecated HTTP+SSE transport (2024-11-05): `GET /sse` opens an event stream
/// whose first event names `/messages?sessionId=…`; each `POST /messages` is accepted
/// with 202 and answered on the stream. The session (owner, holding instance) lives in
/// Redis, and answers travel as events on the holder's reply stream, so the POST may
/// land on any frontend instance.
extension MCPEndpoint {
    func openLegacyStream(_ request: Request, user: User) async -> Response {
        let frontend = dispatcher.listener.frontendID
        let session: LegacySSESessionStore.Session
        do { session = try await streams.create(owner: user.id, frontend: frontend) } catch {
            logger.error("cannot create SSE session", metadata: ["error": "\(error)"])
            return JSONResponse.error(JunctionError("unavailable", "session store unavailable", status: 503))
        }
        let channel = "sse:\(session.id)"
        let messages = dispatcher.listener.subscribe(channel: channel)
        let keepAlive = min(config.sseKeepAlive, .seconds(30))
        let streams = self.streams
        let listener = dispatcher.listener
        let body = ResponseBody { writer in
            let (chunks, sink) = AsyncStream<ByteBuffer>.makeStream()
            let forward = Task {
                for await message in messages { sink.yield(SSE.message(message)) }
                sink.finish()
            }
            let ticker = SSE.keepAliveTask(every: keepAlive, into: sink) { try? await streams.touch(session.id) }
            defer {
                ticker.cancel()
                forward.cancel()
                listener.unsubscribe(channel: channel)
                Task { try? await streams.delete(session.id) }
            }
            try await writer.write(SSE.event("/messages?sessionId=\(session.id)", name: "endpoint"))
            for await chunk in chunks {
                do { try await writer.write(chunk) } catch { return }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: SSE.headers, body: body)
    }

    func postLegacyMessage(_ incoming: Request, user: User) async -> Response {
        var request = incoming
        if let limited = await rateLimit(user) { return limited }
        guard let sessionID = request.uri.queryParameters["sessionId"].map(String.init), !sessionID.isEmpty else {
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "missing sessionId query parameter"),
                                     status: .badRequest)
        }
        let session: LegacySSESessionStore.Session?
        do { session = try await streams.get(sessionID) } catch {
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.internalError, message: "session store unavailable"),
                                     status: .serviceUnavailable)
        }
        guard let session, session.owner == user.id else {
            return JSONResponse.make(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "Session not found"), status: .notFound)
        }
        let message: JSONRPCRequest
        switch await readMessage(&request) {
        case .message(let m): message = m
        case .refused(let response): return response
        }
        guard let method = message.method else { return JSONResponse.empty(.accepted) }
        if message.isNotification {
            if method == "notifications/cancelled" { await cancelSessionRun(owner: user.id, session: session.id, params: message.params) }
            return JSONResponse.empty(.accepted)
        }
        // The stream's negotiated revision is not kept: answer in the oldest one's block kinds.
        let context = CallContext(id: message.id, user: user, modern: false, version: MCPProtocol.legacySSE, session: session.id)
        let queue = dispatcher.queue
        let logger = self.logger
        let deliver: @Sendable (JSONValue) async -> Void = { value in
            do { try await queue.publishEvent(channel: "sse:\(session.id)", data: value, to: session.frontend) } catch {
                logger.warning("cannot deliver an SSE message", metadata: ["session": "\(session.id)", "error": "\(error)"])
            }
        }
        // The POST is answered now; the response follows on the stream, wherever it is held.
        Task {
            let answer = await legacyAnswer(method: method, message: message, context: context, deliver: deliver)
            await deliver(Self.message(answer, context: context))
        }
        return JSONResponse.empty(.accepted)
    }

    private func legacyAnswer(method: String, message: JSONRPCRequest, context: CallContext,
                              deliver: @escaping @Sendable (JSONValue) async -> Void) async -> Answer {
        switch method {
        case "initialize":
            let requested = message.params["protocolVersion"]?.stringValue ?? ""
            let known = Self.handshakeVersions + [MCPProtocol.legacySSE]
            return .result(Self.initializeResult(version: known.contains(requested) ? requested : MCPProtocol.legacySSE))
        case "tools/call":
            switch toolCall(params: message.params) {
            case .refused(let refusal): return refusal
            case .call(let call):
                var onProgress: (@Sendable (RunDispatcher.Progress) async -> Void)?
                if let token = message.params["_meta"]?["progressToken"] {
                    onProgress = { @Sendable p in
                        var params: [String: JSONValue] = ["progressToken": token, "progress": .number(p.progress)]
                        if let m = p.message { params["message"] = .string(m) }
                        await deliver(JSONRPC.notification("notifications/progress", params: .object(params)))
                    }
                }
                return .result(Self.toolResult(await run(call, context: context, onProgress: onProgress), version: context.version))
            }
        default:
            return await answer(method: method, params: message.params, context: context)
        }
    }
}
