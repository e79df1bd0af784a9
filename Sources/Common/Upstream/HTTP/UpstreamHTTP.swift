import AsyncHTTPClient
import Foundation
import JunctionCore
import JunctionTracing
import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// A response read from an upstream, with its body capped in size.
package struct UpstreamResponse: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: Data
    /// The URL that answered (after redirects).
    package var url: URL

    package func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// Every outbound HTTP request goes through here: the outbound policy is checked for
/// the first URL and again for every redirect target, each connection goes to an address
/// that check allowed (`ConnectionPins`), bodies are read as a stream and cut off past a
/// size cap, and each request has a deadline.
package struct UpstreamHTTP: Sendable {
    /// The client for IP-literal hosts (nothing to resolve); named hosts use `pins`.
    package let client: HTTPClient
    package let policy: OutboundPolicy
    /// Clients pinned to checked addresses, shared by the process unless given.
    package let pins: ConnectionPins
    package var maxRedirects = 5

    package init(client: HTTPClient, policy: OutboundPolicy, pins: ConnectionPins = .shared) {
        self.client = client
        self.policy = policy
        self.pins = pins
    }

    /// One process-wide client for components that live as long as the process (a global
    /// is never deinitialised, so it needs no shutdown, which HTTPClient insists on).
    package static let processClient: HTTPClient = makeClient()

    /// A client that never follows redirects on its own (we follow them after checking them).
    package static func makeClient() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration())
    }

    /// The configuration of every outbound client: no redirects of its own, timeouts,
    /// bounded decompression, no tracing of its own.
    package static func clientConfiguration() -> HTTPClient.Configuration {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(10), read: .seconds(60))
        config.decompression = .enabled(limit: .ratio(50))
        // No spans of AsyncHTTPClient's own: they would record each URL's query (an API key
        // of `query` auth travels there) and add a second `traceparent` to ours (`open`).
        config.tracing.tracer = nil
        return config
    }

    /// Which redirects `open` follows (each hop is checked against the policy again).
    package enum Redirects: Sendable {
        /// None: a 3xx is returned as it is.
        case none
        /// 301/302/303/307/308, turning a POST into a GET where HTTP says so.
        case all
        /// Only 307/308, so a POST stays a POST (MCP).
        case methodPreserving
    }

    /// A response whose body has not been read yet (SSE is read from it event by event).
    package struct Opened: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var url: URL
        package var body: UpstreamBody

        package func header(_ name: String) -> String? { headers.first(name: name) }

        package var contentType: String { (header("content-type") ?? "").lowercased() }

        /// Reads the whole body, failing past `maxBytes`.
        package func collect(maxBytes: Int) async throws -> Data {
            if let declared = header("content-length").flatMap(Int.init), declared > maxBytes {
                throw UpstreamError.tooLarge("the response from \(url.host ?? "upstream") is larger than the limit of \(maxBytes) bytes (it declares \(declared))")
            }
            var out = Data()
            do {
                for try await chunk in body {
                    out.append(contentsOf: chunk.readableBytesView)
                    if out.count > maxBytes {
                        throw UpstreamError.tooLarge("the response from \(url.host ?? "upstream") is larger than the limit of \(maxBytes) bytes")
                    }
                }
            } catch {
                throw UpstreamHTTP.mapError(error, url: url)
            }
            return out
        }
    }

    /// Sends a request and returns once the response head arrives; `deadline` bounds the
    /// whole exchange, body included. The policy is checked before every connection,
    /// redirects included, the connection goes to an address that check allowed, and
    /// credentials in `headers` (plus `sensitiveHeaders`) never follow a redirect to
    /// another origin.
    package func open(method: HTTPMethod, url: URL, headers: [(String, String)] = [], body: Data? = nil,
                      deadline: NIODeadline, redirects: Redirects, sensitiveHeaders: Set<String> = []) async throws -> Opened {
        var current = url
        var method = method
        var body = body
        var headers = headers
        // The upstream continues the current trace (W3C `traceparent`), when tracing is on.
        Traces.inject(into: &headers)
        let origin = Origin(url)
        for _ in 0...maxRedirects {
            // Checked as AsyncHTTPClient will read it: the same text, parsed the same way.
            let wire = current.absoluteString
            guard let parsed = URL(string: wire) else { throw UpstreamError.outboundForbidden("not a valid URL: \(OutboundPolicy.redacted(current))") }
            let target = try await policy.check(parsed)
            let lease = target.isLiteral ? nil : pins.lease(host: target.host, addresses: target.addresses)
            var request = HTTPClientRequest(url: wire)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if request.headers["user-agent"].isEmpty { request.headers.add(name: "User-Agent", value: "Junction/0.1") }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: HTTPClientResponse
            do {
                response = try await Self.execute(request, on: lease?.client ?? client, deadline: deadline)
            } catch {
                throw Self.mapError(error, url: current)
            }
            let status = Int(response.status.code)
            let follows: Bool
            switch redirects {
            case .none: follows = false
            case .all: follows = [301, 302, 303, 307, 308].contains(status)
            case .methodPreserving: follows = status == 307 || status == 308
            }
            if follows, let location = response.headers.first(name: "location"),
               let next = URL(string: location, relativeTo: current)?.absoluteURL {
                if status == 303 || ((status == 301 || status == 302) && method == .POST) { method = .GET; body = nil }
                if origin == nil || Origin(next) != origin {
                    headers.removeAll { ["authorization", "cookie"].contains($0.0.lowercased()) || sensitiveHeaders.contains($0.0.lowercased()) }
                }
                current = next
                continue
            }
            return Opened(status: status, headers: response.headers, url: current, body: UpstreamBody(response.body, lease: lease))
        }
        throw UpstreamError.tooManyRedirects("more than \(maxRedirects) redirects from \(url.host ?? "upstream")")
    }

    /// Executes one hop. A kept-alive connection that the server closed just as the pool
    /// handed it out fails before any response arrives (a server's keep-alive timeout racing
    /// our reuse); RFC 9110 §9.2.2 lets an idempotent request be retried once then, on a
    /// new connection. Anything else, and every non-idempotent request, fails as it is.
    private static func execute(_ request: HTTPClientRequest, on client: HTTPClient, deadline: NIODeadline) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(request, deadline: deadline)
        } catch where isIdempotent(request.method) && isStaleConnection(error) && NIODeadline.now() < deadline {
            return try await client.execute(request, deadline: deadline)
        }
    }

    static func isIdempotent(_ method: HTTPMethod) -> Bool {
        [.GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE].contains(method)
    }

    /// A connection reset or closed by the peer before the response head.
    static func isStaleConnection(_ error: Error) -> Bool {
        if let e = error as? HTTPClientError { return e == .remoteConnectionClosed }
        if let e = error as? IOError { return e.errnoCode == ECONNRESET || e.errnoCode == EPIPE }
        return false
    }

    /// Sends a request and reads its body (capped at `maxBytes`) within `timeout`.
    package func send(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil,
                      maxBytes: Int, timeout: Duration, followRedirects: Bool = true,
                      sensitiveHeaders: Set<String> = []) async throws -> UpstreamResponse {
        let opened = try await open(method: HTTPMethod(rawValue: method), url: url, headers: headers, body: body,
                                    deadline: .after(timeout), redirects: followRedirects ? .all : .none,
                                    sensitiveHeaders: sensitiveHeaders)
        let data = try await opened.collect(maxBytes: maxBytes)
        return UpstreamResponse(status: opened.status, headers: opened.headers.map { ($0.name, $0.value) }, body: data, url: opened.url)
    }

    /// Maps transport errors to typed errors with a message a model can act on.
    package static func mapError(_ error: Error, url: URL) -> any CodedError {
        if let e = error as? any CodedError { return e }
        let host = url.host ?? "upstream"
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
                return UpstreamError.timeout("\(host) did not answer in time")
            }
            if e == .remoteConnectionClosed {
                return UpstreamError.disconnected("\(host) closed the connection before the response was complete")
            }
        }
        if error is CancellationError { return UpstreamError.timeout("the call to \(host) was cancelled") }
        return UpstreamError.unreachable("cannot reach \(host): \(error)")
    }

    /// `scheme://host:port` of a URL (`Origin.serialized`); empty when it has none.
    package static func origin(_ url: URL) -> String {
        Origin(url)?.serialized ?? ""
    }
}

extension NIODeadline {
    /// The deadline `duration` from now.
    package static func after(_ duration: Duration) -> NIODeadline {
        .now() + .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
