import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

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
/// the first URL and again for every redirect target, bodies are read as a stream and
/// cut off past a size cap, and each request has a deadline.
package struct UpstreamHTTP: Sendable {
    package let client: HTTPClient
    package let policy: OutboundPolicy
    package var maxRedirects = 5

    package init(client: HTTPClient, policy: OutboundPolicy) {
        self.client = client
        self.policy = policy
    }

    /// A client that never follows redirects on its own (we follow them after checking them).
    package static func makeClient() -> HTTPClient {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(10), read: .seconds(60))
        config.decompression = .enabled(limit: .ratio(50))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Sends a request. `followRedirects` re-checks each hop; credentials in `headers` go
    /// only to the original origin, never to a redirect target on another origin.
    package func send(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil,
                      maxBytes: Int, timeout: Duration, followRedirects: Bool = true,
                      sensitiveHeaders: Set<String> = []) async throws -> UpstreamResponse {
        var current = url
        var method = method
        var body = body
        var headers = headers
        let origin = Self.origin(url)
        for _ in 0...maxRedirects {
            try await policy.check(current)
            var request = HTTPClientRequest(url: current.absoluteString)
            request.method = HTTPMethod(rawValue: method)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if request.headers["user-agent"].isEmpty { request.headers.add(name: "User-Agent", value: "Junction/0.1") }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: .milliseconds(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                throw JunctionError("upstream_timeout", "\(current.host ?? "upstream") did not answer within \(timeout)", status: 504)
            } catch {
                throw JunctionError("upstream_unreachable", "cannot reach \(current.host ?? "upstream"): \(error)", status: 502)
            }
            let status = Int(response.status.code)
            if followRedirects, [301, 302, 303, 307, 308].contains(status),
               let location = response.headers.first(name: "location"), let next = URL(string: location, relativeTo: current)?.absoluteURL {
                if status == 303 || ((status == 301 || status == 302) && method == "POST") { method = "GET"; body = nil }
                if Self.origin(next) != origin {
                    headers.removeAll { sensitiveHeaders.contains($0.0.lowercased()) || $0.0.lowercased() == "authorization" || $0.0.lowercased() == "cookie" }
                }
                current = next
                continue
            }
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > maxBytes {
                throw JunctionError("upstream_too_large", "the response from \(current.host ?? "upstream") is \(declared) bytes, more than the limit of \(maxBytes) bytes", status: 502)
            }
            var collected = Data()
            do {
                for try await chunk in response.body {
                    collected.append(contentsOf: chunk.readableBytesView)
                    if collected.count > maxBytes {
                        throw JunctionError("upstream_too_large", "the response from \(current.host ?? "upstream") is larger than the limit of \(maxBytes) bytes", status: 502)
                    }
                }
            } catch let error as JunctionError {
                throw error
            } catch {
                throw JunctionError("upstream_unreachable", "reading the response from \(current.host ?? "upstream") failed: \(error)", status: 502)
            }
            return UpstreamResponse(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: collected, url: current)
        }
        throw JunctionError("too_many_redirects", "more than \(maxRedirects) redirects from \(url.host ?? "upstream")", status: 502)
    }

    /// scheme://host:port of a URL.
    package static func origin(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}

extension UpstreamHTTP {
    /// `scheme://host[:port]` as written in a URL (for building base URLs).
    package static func originString(_ url: URL) -> String {
        var s = "\(url.scheme ?? "https")://\(url.host ?? "")"
        if let port = url.port { s += ":\(port)" }
        return s
    }
}
