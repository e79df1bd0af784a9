import Foundation
import JunctionCore
import Store
import Upstream

/// Builds an `MCPClient` for a registered source: its URL, its credential (sent only to
/// the origin it is bound to: the one the secret was entered for, or for OAuth the
/// source's own) and what earlier connections negotiated.
package struct MCPSourceConnector: Sendable {
    package let http: StreamingUpstream
    package var maxMessageBytes: Int
    package var requestTimeout: Duration

    package init(http: StreamingUpstream, maxMessageBytes: Int = 1_000_000, requestTimeout: Duration = .seconds(30)) {
        self.http = http
        self.maxMessageBytes = maxMessageBytes
        self.requestTimeout = requestTimeout
    }

    /// A client for `source`; `secret` is its opened secret.
    package func client(for source: Source, secret: String?, remembered: MCPConnectionInfo?) throws -> MCPClient {
        guard source.type == .mcp else { throw JunctionError.badRequest("\(source.slug) is not an MCP source") }
        guard let text = source.baseUrl, let url = URL(string: text) else {
            throw JunctionError.badRequest("MCP source \(source.slug) has no baseUrl")
        }
        let headers = try Self.headers(source: source, secret: secret)
        let origin = Origin(url)
        if source.authType.sendsSecret, !headers.isEmpty {
            guard let bound = source.secretBoundOrigin else { throw StoreError.sourceNeedsSecret(source.slug) }
            guard bound == origin else { throw Credential.mismatch(subject: "the secret of source \(source.slug)", bound: bound, url: url) }
        }
        let credentials = MCPCredentials(headers: headers, origin: origin)
        return MCPClient(http: http, url: url, credentials: credentials,
                         options: .init(maxMessageBytes: maxMessageBytes, requestTimeout: requestTimeout, remembered: remembered))
    }

    /// A value that changes whenever what a client was built from changes.
    package static func fingerprint(_ source: Source) -> String {
        [source.baseUrl ?? "", source.authType.rawValue, source.authHeaderName ?? "", source.secretSealed ?? "",
         source.secretOrigin ?? ""].joined(separator: "\u{1}")
    }

    static func headers(source: Source, secret: String?) throws -> [(String, String)] {
        switch source.authType {
        case .none:
            return []
        case .bearer, .header:
            guard let secret else {
                throw UpstreamError.sourceMisconfigured("source \(source.slug) has \(source.authType.rawValue) auth but no secret")
            }
            return Credential.headers(type: source.authType, name: source.authHeaderName, secret: secret)
        case .oauth:
            // `secret` is the current access token (MCPOAuthTokens), sent only to the source's origin.
            guard let secret else { throw UpstreamOAuthError.needsSignIn(source.slug, reason: "nobody has signed in to it yet") }
            return [("Authorization", "Bearer \(secret)")]
        default:
            throw UpstreamError.sourceMisconfigured("auth type \(source.authType.rawValue) is not supported for MCP sources")
        }
    }
}
