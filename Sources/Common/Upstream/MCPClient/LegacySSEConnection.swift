import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

/// One connection of the deprecated HTTP+SSE transport (2024-11-05): a long-lived
/// `GET` whose first event (`endpoint`) names the URL to POST messages to; responses
/// come back on the GET stream and are matched to their requests by id.
actor LegacySSEConnection {
    private let http: StreamingUpstream
    private let sseURL: URL
    private let credentials: MCPCredentials
    private let maxEventBytes: Int
    private var postURL: URL?
    private var reader: Task<Void, Never>?
    private var endpointWaiter: CheckedContinuation<URL, Error>?
    private var pending: [Int: CheckedContinuation<JSONRPCMessage, Error>] = [:]
    private var timers: [Int: Task<Void, Never>] = [:]
    private var closedError: (any CodedError)?

    package init(http: StreamingUpstream, sseURL: URL, credentials: MCPCredentials, maxEventBytes: Int) {
        self.http = http
        self.sseURL = sseURL
        self.credentials = credentials
        self.maxEventBytes = maxEventBytes
    }

    /// True until the stream ends or `close()` is called.
    package var isOpen: Bool { closedError == nil && reader != nil }

    /// Opens the stream and waits for the `endpoint` event.
    package func start(timeout: Duration) async throws {
        let deadline = NIODeadline.now() + .hours(24)  // the stream lives as long as the connection is pooled
        let opened = try await http.open(method: .GET, url: sseURL,
                                          headers: [("Accept", "text/event-stream")] + credentials.headers(for: sseURL),
                                          body: nil, deadline: deadline, sensitiveHeaders: credentials.sensitiveNames)
        guard (200..<300).contains(opened.status) else {
            if opened.status == 401 || opened.status == 403 { throw MCPErrors.unauthorized(opened.status, url: sseURL) }
            throw UpstreamError.mcpTransport("GET \(sseURL.path) answered HTTP \(opened.status), not an SSE stream")
        }
        guard opened.contentType.hasPrefix("text/event-stream") else {
            throw UpstreamError.mcpTransport("GET \(sseURL.path) answered \(opened.contentType.isEmpty ? "no content type" : opened.contentType), not text/event-stream")
        }
        reader = Task { [weak self] in await self?.read(opened) }
        let endpoint: URL = try await withCheckedThrowingContinuation { cont in
            if let closedError { cont.resume(throwing: closedError); return }
            endpointWaiter = cont
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                await self?.failEndpoint(UpstreamError.timeout("\(self?.hostName ?? "upstream") sent no endpoint event within \(timeout)"))
            }
            timers[-1] = timer
        }
        timers.removeValue(forKey: -1)?.cancel()
        postURL = endpoint
    }

    nonisolated var hostName: String { sseURL.host ?? "upstream" }

    /// Sends a request and waits for its response on the stream.
    package func send(_ message: JSONValue, id: Int, timeout: Duration) async throws -> JSONRPCMessage {
        if let closedError { throw closedError }
        guard let postURL else { throw UpstreamError.mcpTransport("the SSE connection has no endpoint yet") }
        return try await withCheckedThrowingContinuation { cont in
            pending[id] = cont
            timers[id] = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                await self?.fail(id: id, UpstreamError.timeout("\(self?.hostName ?? "upstream") did not answer within \(timeout)"))
            }
            Task { [weak self] in
                do { try await self?.post(message, to: postURL, timeout: timeout) } catch {
                    await self?.fail(id: id, UpstreamHTTP.mapError(error, url: postURL))
                }
            }
        }
    }

    /// Sends a notification (no response expected).
    package func notify(_ message: JSONValue, timeout: Duration) async throws {
        if let closedError { throw closedError }
        guard let postURL else { return }
        try await post(message, to: postURL, timeout: timeout)
    }

    /// Ends the stream and fails whatever still waits.
    package func close() {
        shutdown(UpstreamError.disconnected("the SSE connection was closed"))
    }

    private func post(_ message: JSONValue, to url: URL, timeout: Duration) async throws {
        let headers = [("Content-Type", "application/json")] + credentials.headers(for: url)
        let opened = try await http.open(method: .POST, url: url, headers: headers, body: Data(message.jsonString().utf8),
                                         deadline: .after(timeout),
                                         sensitiveHeaders: credentials.sensitiveNames)
        let body = try await opened.collect(maxBytes: 64 * 1024)
        guard (200..<300).contains(opened.status) else {
            if opened.status == 401 || opened.status == 403 { throw MCPErrors.unauthorized(opened.status, url: url) }
            if opened.status == 404 { throw UpstreamError.mcpSessionLost("\(hostName) no longer knows this SSE session") }
            throw UpstreamError.mcpTransport("POST \(url.path) answered HTTP \(opened.status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
    }

    private func read(_ opened: StreamingUpstream.Opened) async {
        var parser = SSEParser(maxEventBytes: maxEventBytes)
        var ending: any CodedError = UpstreamError.disconnected("\(hostName) closed the SSE stream")
        do {
            for try await chunk in opened.body {
                for output in parser.feed(chunk.readableBytesView) { handle(output) }
                if closedError != nil || Task.isCancelled { return }
            }
            for output in parser.finish() { handle(output) }
        } catch {
            ending = UpstreamHTTP.mapError(error, url: sseURL)
            if case .timeout? = ending as? UpstreamError {
                ending = UpstreamError.disconnected("the SSE stream of \(hostName) went silent and was dropped")
            }
        }
        shutdown(ending)
    }

    private func handle(_ output: SSEParser.Output) {
        switch output {
        case .oversized(let bytes):
            // We cannot tell which request it answered: fail them all and drop the stream.
            shutdown(UpstreamError.tooLarge("a message from \(hostName) is larger than the limit of \(maxEventBytes) bytes (at least \(bytes) bytes)"))
        case .event(let event):
            if event.event == "endpoint" {
                let text = event.data.trimmingCharacters(in: .whitespacesAndNewlines)
                guard let url = URL(string: text, relativeTo: sseURL)?.absoluteURL else {
                    failEndpoint(UpstreamError.mcpTransport("\(hostName) announced an invalid endpoint"))
                    return
                }
                guard UpstreamHTTP.origin(url) == UpstreamHTTP.origin(sseURL) else {
                    failEndpoint(UpstreamError.mcpTransport("\(hostName) announced an endpoint on another origin (\(UpstreamHTTP.origin(url)))"))
                    return
                }
                endpointWaiter?.resume(returning: url)
                endpointWaiter = nil
                return
            }
            guard event.event == "message", let value = try? JSONValue.parse(event.data) else { return }
            for item in value.arrayValue ?? [value] {
                guard let message = JSONRPCMessage(item) else { continue }
                switch message {
                case .response, .error:
                    if let id = message.responseID?.intValue { resolve(id: id, message) }
                case .request(let id, let method, _):
                    let reply = method == "ping"
                        ? JSONRPCMessage.makeResponse(id: id, result: .object([:]))
                        : JSONRPCMessage.makeError(id: id, code: -32601, message: "Junction does not serve \(method)")
                    if let postURL { Task { [weak self] in try? await self?.post(reply, to: postURL, timeout: .seconds(10)) } }
                case .notification:
                    break  // progress and log messages do not change the outcome of a call
                }
            }
        }
    }

    private func resolve(id: Int, _ message: JSONRPCMessage) {
        timers.removeValue(forKey: id)?.cancel()
        pending.removeValue(forKey: id)?.resume(returning: message)
    }

    private func fail(id: Int, _ error: any CodedError) {
        timers.removeValue(forKey: id)?.cancel()
        pending.removeValue(forKey: id)?.resume(throwing: error)
    }

    private func failEndpoint(_ error: any CodedError) {
        endpointWaiter?.resume(throwing: error)
        endpointWaiter = nil
        shutdown(error)
    }

    private func shutdown(_ error: any CodedError) {
        if closedError == nil { closedError = error }
        reader?.cancel()
        endpointWaiter?.resume(throwing: error)
        endpointWaiter = nil
        for (_, t) in timers { t.cancel() }
        timers.removeAll()
        let waiting = pending
        pending.removeAll()
        for (_, c) in waiting { c.resume(throwing: error) }
    }
}
