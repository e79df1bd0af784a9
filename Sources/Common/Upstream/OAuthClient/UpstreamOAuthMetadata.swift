import Foundation
import JunctionCore

/// Protected-resource metadata of an MCP server (RFC 9728).
struct ProtectedResourceMetadata: Sendable, Equatable, Codable {
    package var resource: String?
    package var authorizationServers: [String]
    package var scopesSupported: [String]

    package init(resource: String?, authorizationServers: [String], scopesSupported: [String] = []) {
        self.resource = resource
        self.authorizationServers = authorizationServers
        self.scopesSupported = scopesSupported
    }

    /// Reads the JSON document; nil when it is not protected-resource metadata.
    package init?(json: JSONValue) {
        guard json.objectValue != nil else { return nil }
        let servers = (json["authorization_servers"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard !servers.isEmpty else { return nil }
        resource = json["resource"]?.stringValue
        authorizationServers = servers
        scopesSupported = (json["scopes_supported"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// Authorization-server metadata (RFC 8414, or OpenID Connect discovery).
package struct AuthorizationServerMetadata: Sendable, Equatable, Codable {
    package var issuer: String
    package var authorizationEndpoint: String
    package var tokenEndpoint: String
    package var registrationEndpoint: String?
    package var codeChallengeMethods: [String]
    package var tokenEndpointAuthMethods: [String]
    package var clientIDMetadataDocumentSupported: Bool
    package var issParameterSupported: Bool
    package var scopesSupported: [String]

    package init(issuer: String, authorizationEndpoint: String, tokenEndpoint: String, registrationEndpoint: String? = nil,
                 codeChallengeMethods: [String] = ["S256"], tokenEndpointAuthMethods: [String] = [],
                 clientIDMetadataDocumentSupported: Bool = false, issParameterSupported: Bool = false, scopesSupported: [String] = []) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.registrationEndpoint = registrationEndpoint
        self.codeChallengeMethods = codeChallengeMethods
        self.tokenEndpointAuthMethods = tokenEndpointAuthMethods
        self.clientIDMetadataDocumentSupported = clientIDMetadataDocumentSupported
        self.issParameterSupported = issParameterSupported
        self.scopesSupported = scopesSupported
    }

    /// Reads the JSON document; throws when a required field is missing.
    package init(json: JSONValue) throws {
        guard let issuer = json["issuer"]?.stringValue,
              let authorize = json["authorization_endpoint"]?.stringValue,
              let token = json["token_endpoint"]?.stringValue else {
            throw UpstreamOAuthError.discovery("the authorization server metadata lacks issuer, authorization_endpoint or token_endpoint")
        }
        self.issuer = issuer
        authorizationEndpoint = authorize
        tokenEndpoint = token
        registrationEndpoint = json["registration_endpoint"]?.stringValue
        codeChallengeMethods = (json["code_challenge_methods_supported"]?.arrayValue ?? []).compactMap(\.stringValue)
        tokenEndpointAuthMethods = (json["token_endpoint_auth_methods_supported"]?.arrayValue ?? []).compactMap(\.stringValue)
        clientIDMetadataDocumentSupported = json["client_id_metadata_document_supported"]?.boolValue ?? false
        issParameterSupported = json["authorization_response_iss_parameter_supported"]?.boolValue ?? false
        scopesSupported = (json["scopes_supported"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// Where the discovery documents live (pure URL construction, tested on its own).
package enum UpstreamOAuthURLs {
    /// Protected-resource metadata candidates for an MCP endpoint, in order: the URL from
    /// `WWW-Authenticate` when there is one, then the path-suffixed well-known URL
    /// (`/.well-known/oauth-protected-resource/<path>`), then the root one.
    package static func protectedResourceMetadata(for resource: URL, hinted: URL? = nil) -> [URL] {
        var out: [URL] = []
        if let hinted { out.append(hinted) }
        let path = trimmedPath(resource)
        if !path.isEmpty, let url = URL(string: resource.originString + "/.well-known/oauth-protected-resource" + path) {
            out.append(url)
        }
        if let root = URL(string: resource.originString + "/.well-known/oauth-protected-resource") { out.append(root) }
        return dedupe(out)
    }

    /// Authorization-server metadata candidates for an issuer (RFC 8414 §3.1 inserts the
    /// well-known segment before the issuer's path; OpenID discovery also appends it).
    package static func authorizationServerMetadata(issuer: URL) -> [URL] {
        let origin = issuer.originString
        let path = trimmedPath(issuer)
        let candidates: [String]
        if path.isEmpty {
            candidates = [origin + "/.well-known/oauth-authorization-server", origin + "/.well-known/openid-configuration"]
        } else {
            candidates = [origin + "/.well-known/oauth-authorization-server" + path,
                          origin + "/.well-known/openid-configuration" + path,
                          origin + path + "/.well-known/openid-configuration"]
        }
        return dedupe(candidates.compactMap(URL.init(string:)))
    }

    /// Whether two issuer identifiers name the same server (a trailing slash aside).
    package static func sameIssuer(_ a: String, _ b: String) -> Bool {
        func norm(_ s: String) -> String { var t = s; while t.hasSuffix("/") { t.removeLast() }; return t }
        return norm(a) == norm(b)
    }

    /// The canonical resource URI of an MCP endpoint (RFC 8707 / MCP: lower-case scheme
    /// and host, no fragment, no trailing slash unless the path is just `/`).
    package static func canonicalResource(_ url: URL) -> String {
        var c = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
        c.scheme = c.scheme?.lowercased()
        c.host = c.host?.lowercased()
        c.fragment = nil
        if c.path.count > 1 && c.path.hasSuffix("/") { c.path.removeLast() }
        return c.string ?? url.absoluteString
    }

    /// Whether protected-resource metadata may describe the endpoint `mcpURL`: the same
    /// origin, and the resource's path is the endpoint's path or a parent of it.
    package static func resource(_ resource: String, covers mcpURL: URL) -> Bool {
        guard let r = URL(string: resource), UpstreamHTTP.origin(r) == UpstreamHTTP.origin(mcpURL) else { return false }
        let rp = trimmedPath(r)
        let mp = trimmedPath(mcpURL)
        return rp.isEmpty || mp == rp || mp.hasPrefix(rp + "/")
    }

    /// The authorization URL the browser is sent to (the endpoint's own query kept).
    package static func authorizationURL(endpoint: String, parameters: [(String, String)]) throws -> URL {
        guard var c = URLComponents(string: endpoint), c.host != nil else {
            throw UpstreamOAuthError.discovery("the authorization endpoint \(endpoint) is not a URL")
        }
        c.queryItems = (c.queryItems ?? []) + parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` in a query is read as a space by form decoders; encode it.
        c.percentEncodedQuery = c.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = c.url else { throw UpstreamOAuthError.discovery("cannot build the authorization URL") }
        return url
    }

    /// `application/x-www-form-urlencoded` body.
    package static func formBody(_ fields: [(String, String)]) -> Data {
        Data(fields.map { QueryEncoding.component($0) + "=" + QueryEncoding.component($1) }.joined(separator: "&").utf8)
    }

    private static func trimmedPath(_ url: URL) -> String {
        var p = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? url.path
        while p.hasSuffix("/") { p.removeLast() }
        return p
    }

    private static func dedupe(_ urls: [URL]) -> [URL] {
        var seen = Set<String>()
        return urls.filter { seen.insert($0.absoluteString).inserted }
    }
}
