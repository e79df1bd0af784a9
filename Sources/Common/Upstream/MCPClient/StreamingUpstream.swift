import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Outbound HTTP for MCP: `UpstreamHTTP.open` (the same policy checks on every
/// connection and redirect hop), following only method-preserving redirects and
/// handing the body back as a stream so SSE can be read event by event.
package struct StreamingUpstream: Sendable {
    package let http: UpstreamHTTP

    package init(client: HTTPClient, policy: OutboundPolicy) {
        self.http = UpstreamHTTP(client: client, policy: policy)
    }

    package init(_ http: UpstreamHTTP) {
        self.http = http
    }

    package typealias Opened = UpstreamHTTP.Opened

    /// Sends a request and returns once the response head arrives.
    package func open(method: HTTPMethod, url: URL, headers: [(String, String)], body: Data?,
                      deadline: NIODeadline, sensitiveHeaders: Set<String>) async throws -> Opened {
        try await http.open(method: method, url: url, headers: headers, body: body, deadline: deadline,
                            redirects: .methodPreserving, sensitiveHeaders: sensitiveHeaders)
    }
}
