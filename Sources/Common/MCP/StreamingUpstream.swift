import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Outbound HTTP for MCP: like `UpstreamHTTP` (policy checked before every connection,
/// including each redirect hop; credentials dropped on a cross-origin hop), but the
/// response body is handed back as a stream so SSE can be read event by event.
package struct StreamingUpstream: Sendable {
    package let client: HTTPClient
    package let policy: OutboundPolicy
    package var maxRedirects = 5

    package init(client: HTTPClient, policy: OutboundPolicy) {
        self.client = client
        self.policy = policy
    }

    package init(_ http: UpstreamHTTP) {
        self.init(client: http.client, policy: http.policy)
    }

    /// A response whose body has not been read yet.
    package struct Opened: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var url: URL
        package var body: HTTPClientResponse.Body

        package func header(_ name: String) -> String? { headers.first(name: name) }

        package var contentType: String { (header("content-type") ?? "").lowercased() }

        /// Reads the whole body, failing past `maxBytes`.
        package func collect(maxBytes: Int) async throws -> Data {
            var out = Data()
            do {
                for try await chunk in body {
                    out.append(contentsOf: chunk.readableBytesView)
                    if out.count > maxBytes {
                        throw JunctionError("upstream_too_large",
                                            "the response from \(url.host ?? "upstream") is larger than the limit of \(maxBytes) bytes", status: 502)
                    }
                }
            } catch let error as JunctionError {
                throw error
            } catch {
                throw StreamingUpstream.mapError(error, url: url)
            }
            return out
        }
    }

    /// Sends a request and returns once the response head arrives. `deadline` bounds the
    /// whole exchange, body included. Only 307/308 redirects are followed (an MCP POST
    /// must stay a POST).
    package func open(method: HTTPMethod, url: URL, headers: [(String, String)], body: Data?,
                      deadline: NIODeadline, sensitiveHeaders: Set<String>) async throws -> Opened {
        var current = url
        var headers = headers
        let origin = UpstreamHTTP.origin(url)
        for _ in 0...maxRedirects {
            try await policy.check(current)
            var request = HTTPClientRequest(url: current.absoluteString)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if request.headers["user-agent"].isEmpty { request.headers.add(name: "User-Agent", value: "Junction/0.1") }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, deadline: deadline)
            } catch {
                throw Self.mapError(error, url: current)
            }
            let status = Int(response.status.code)
            if status == 307 || status == 308, let location = response.headers.first(name: "location"),
               let next = URL(string: location, relativeTo: current)?.absoluteURL {
                if UpstreamHTTP.origin(next) != origin {
                    headers.removeAll { sensitiveHeaders.contains($0.0.lowercased()) || ["authorization", "cookie"].contains($0.0.lowercased()) }
                }
                current = next
                continue
            }
            return Opened(status: status, headers: response.headers, url: current, body: response.body)
        }
        throw JunctionError("too_many_redirects", "more than \(maxRedirects) redirects from \(url.absoluteString)", status: 502)
    }

    /// Maps transport errors to typed errors with a message a model can act on.
    package static func mapError(_ error: Error, url: URL) -> JunctionError {
        if let e = error as? JunctionError { return e }
        let host = url.host ?? "upstream"
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
                return JunctionError("upstream_timeout", "\(host) did not answer in time", status: 504)
            }
            if e == .remoteConnectionClosed {
                return JunctionError("upstream_disconnected", "\(host) closed the connection before the response was complete", status: 502)
            }
        }
        if error is CancellationError { return JunctionError("upstream_timeout", "the call to \(host) was cancelled", status: 504) }
        return JunctionError("upstream_unreachable", "cannot reach \(host): \(error)", status: 502)
    }
}

extension NIODeadline {
    /// The deadline `duration` from now.
    package static func after(_ duration: Duration) -> NIODeadline {
        .now() + .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
