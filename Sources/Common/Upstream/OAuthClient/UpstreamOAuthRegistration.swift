import Foundation
import JunctionCore

/// How Junction is known to an upstream authorization server.
package struct UpstreamOAuthClient: Sendable, Codable, Equatable {
    /// `metadata_document` (client_id is the URL of Junction's Client ID Metadata
    /// Document) or `dynamic` (RFC 7591 registration).
    package var kind: String
    package var clientID: String
    package var clientSecret: String?
    /// `none`, `client_secret_post` or `client_secret_basic`.
    package var authMethod: String

    package init(kind: String, clientID: String, clientSecret: String? = nil, authMethod: String = "none") {
        self.kind = kind
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod
    }
}

/// Choosing and performing client registration with an upstream authorization server.
package enum UpstreamOAuthRegistration {
    /// What to do with a given authorization server.
    package enum Choice: Sendable, Equatable {
        /// Use Junction's Client ID Metadata Document URL as client_id (no registration call).
        case metadataDocument(clientID: String)
        /// Register at the RFC 7591 endpoint.
        case dynamic(endpoint: String)
        /// Neither is possible; the message says why.
        case unsupported(String)
    }

    /// Client ID Metadata Documents are preferred (MCP 2025-11-25+) when the server
    /// advertises them and Junction has a document URL it can serve; else dynamic
    /// registration; else nothing works (pre-registered clients are not supported).
    package static func choose(_ metadata: AuthorizationServerMetadata, clientMetadataURL: String?) -> Choice {
        if metadata.clientIDMetadataDocumentSupported, let clientMetadataURL { return .metadataDocument(clientID: clientMetadataURL) }
        if let endpoint = metadata.registrationEndpoint { return .dynamic(endpoint: endpoint) }
        if metadata.clientIDMetadataDocumentSupported {
            return .unsupported("the authorization server \(metadata.issuer) only accepts Client ID Metadata Documents, and Junction's public URL is not an https URL it could fetch Junction's document from (set JUNCTION_PUBLIC_URL)")
        }
        return .unsupported("the authorization server \(metadata.issuer) offers neither Client ID Metadata Documents nor dynamic client registration")
    }

    /// The URL of Junction's own Client ID Metadata Document, or nil when the public URL
    /// cannot serve as a client_id (it must be https; plain http only in development mode).
    package static func clientMetadataURL(publicURL: String, allowInsecure: Bool) -> String? {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), url.host != nil else { return nil }
        guard scheme == "https" || (scheme == "http" && allowInsecure) else { return nil }
        return base + "/upstream-oauth/client-metadata.json"
    }

    /// Junction's Client ID Metadata Document (served at `clientID`).
    package static func metadataDocument(clientID: String, redirectURI: String, clientURI: String) -> JSONValue {
        ["client_id": .string(clientID), "client_name": "Junction", "client_uri": .string(clientURI),
         "redirect_uris": [.string(redirectURI)], "grant_types": ["authorization_code", "refresh_token"],
         "response_types": ["code"], "token_endpoint_auth_method": "none"]
    }

    /// The RFC 7591 registration request: a public client using PKCE.
    package static func dynamicRequest(redirectURI: String, scope: String?) -> JSONValue {
        var body: [String: JSONValue] = [
            "client_name": "Junction", "redirect_uris": [.string(redirectURI)],
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        ]
        if let scope { body["scope"] = .string(scope) }
        return .object(body)
    }

    /// Reads a registration response.
    package static func parseRegistration(_ json: JSONValue) throws -> UpstreamOAuthClient {
        guard let id = json["client_id"]?.stringValue, !id.isEmpty else {
            throw UpstreamOAuthError.discovery("the registration endpoint returned no client_id")
        }
        let secret = json["client_secret"]?.stringValue
        let method = json["token_endpoint_auth_method"]?.stringValue ?? (secret == nil ? "none" : "client_secret_basic")
        return UpstreamOAuthClient(kind: "dynamic", clientID: id, clientSecret: secret, authMethod: method)
    }

    /// Registers Junction at `endpoint` (RFC 7591).
    package static func register(http: UpstreamHTTP, endpoint: String, redirectURI: String, scope: String?) async throws -> UpstreamOAuthClient {
        guard let url = URL(string: endpoint) else { throw UpstreamOAuthError.discovery("registration_endpoint \(endpoint) is not a URL") }
        let response = try await http.send(method: "POST", url: url, headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                                           body: Data(dynamicRequest(redirectURI: redirectURI, scope: scope).jsonString().utf8),
                                           maxBytes: 256 * 1024, timeout: .seconds(20), followRedirects: false)
        guard (200..<300).contains(response.status), let json = try? JSONValue.parse(response.body) else {
            let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
            throw UpstreamOAuthError.discovery("dynamic client registration at \(url.host ?? endpoint) failed with HTTP \(response.status): \(detail)")
        }
        return try parseRegistration(json)
    }
}
