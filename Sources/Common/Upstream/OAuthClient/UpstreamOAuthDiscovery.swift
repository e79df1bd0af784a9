import Foundation
import JunctionCore
import NIOHTTP1

/// What discovery found out about an OAuth-protected MCP endpoint.
package struct UpstreamOAuthPlan: Sendable, Equatable {
    /// The resource indicator to send (RFC 8707).
    package var resource: String
    /// The scope to ask for: the challenge's, else everything the resource lists, else none.
    package var scope: String?
    package var metadata: AuthorizationServerMetadata
}

/// Finds the authorization server of an MCP endpoint: probe for a 401 and its
/// `WWW-Authenticate`, read the protected-resource metadata (RFC 9728, the hinted URL,
/// then the path-suffixed and root well-known forms), then the server's metadata
/// (RFC 8414, then OpenID discovery). Every request goes through `UpstreamHTTP`, so the
/// outbound policy checks each URL, redirects included.
package struct UpstreamOAuthDiscovery: Sendable {
    package let http: UpstreamHTTP
    package var timeout: Duration = .seconds(15)

    package init(http: UpstreamHTTP) {
        self.http = http
    }

    package func discover(mcpURL: URL) async throws -> UpstreamOAuthPlan {
        let challenge = try await probe(mcpURL)
        var resource = UpstreamOAuthURLs.canonicalResource(mcpURL)
        var scope = challenge?.scope
        var issuer: String
        if let prm = try await protectedResourceMetadata(mcpURL, hinted: challenge?.resourceMetadata) {
            if let declared = prm.resource {
                guard UpstreamOAuthURLs.resource(declared, covers: mcpURL) else {
                    throw UpstreamOAuthError.discovery("the protected-resource metadata names resource \(declared), which does not cover \(OutboundPolicy.redacted(mcpURL))")
                }
                resource = declared
            }
            issuer = prm.authorizationServers[0]
            if scope == nil, !prm.scopesSupported.isEmpty { scope = prm.scopesSupported.joined(separator: " ") }
        } else {
            // 2025-03-26 servers without RFC 9728: the MCP server's origin is the authorization server.
            issuer = mcpURL.originString
        }
        let metadata = try await authorizationServerMetadata(issuer: issuer)
        guard metadata.codeChallengeMethods.contains(UpstreamPKCE.method) else {
            throw UpstreamOAuthError.discovery("the authorization server \(metadata.issuer) does not advertise PKCE S256 (code_challenge_methods_supported); Junction refuses to sign in without it")
        }
        return UpstreamOAuthPlan(resource: resource, scope: scope, metadata: metadata)
    }

    /// An unauthenticated `initialize`; the Bearer challenge of a 401/403, if any.
    func probe(_ url: URL) async throws -> BearerChallenge? {
        let body = JSONRPCMessage.makeRequest(id: 1, method: "initialize", params: MCPProtocol.initializeParams)
        let opened = try await http.open(method: .POST, url: url,
                                         headers: [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")],
                                         body: Data(body.jsonString().utf8), deadline: .after(timeout), redirects: .methodPreserving)
        _ = try? await opened.collect(maxBytes: 64 * 1024)
        guard opened.status == 401 || opened.status == 403 else { return nil }
        return opened.headers["www-authenticate"].lazy.compactMap { BearerChallenge(header: $0) }.first
    }

    func protectedResourceMetadata(_ mcpURL: URL, hinted: URL?) async throws -> ProtectedResourceMetadata? {
        for candidate in UpstreamOAuthURLs.protectedResourceMetadata(for: mcpURL, hinted: hinted) {
            if let json = try await getJSON(candidate), let prm = ProtectedResourceMetadata(json: json) { return prm }
        }
        return nil
    }

    func authorizationServerMetadata(issuer: String) async throws -> AuthorizationServerMetadata {
        guard let issuerURL = URL(string: issuer), issuerURL.host != nil else {
            throw UpstreamOAuthError.discovery("the authorization server \(issuer) is not a URL")
        }
        for candidate in UpstreamOAuthURLs.authorizationServerMetadata(issuer: issuerURL) {
            guard let json = try await getJSON(candidate) else { continue }
            let metadata = try AuthorizationServerMetadata(json: json)
            // RFC 8414 §3.3: the document must be about the issuer we asked for.
            guard UpstreamOAuthURLs.sameIssuer(metadata.issuer, issuer) else {
                throw UpstreamOAuthError.discovery("the metadata at \(candidate.absoluteString) names issuer \(metadata.issuer), not \(issuer)")
            }
            return metadata
        }
        throw UpstreamOAuthError.discovery("no authorization server metadata found for \(issuer) (tried RFC 8414 and OpenID discovery)")
    }

    /// A JSON object from `url`, or nil on 4xx / non-JSON (the next candidate is tried).
    private func getJSON(_ url: URL) async throws -> JSONValue? {
        let response = try await http.send(method: "GET", url: url, headers: [("Accept", "application/json")],
                                           maxBytes: 256 * 1024, timeout: timeout)
        guard response.status == 200, let json = try? JSONValue.parse(response.body), json.objectValue != nil else { return nil }
        return json
    }
}
