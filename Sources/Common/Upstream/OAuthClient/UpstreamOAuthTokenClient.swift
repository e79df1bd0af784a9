import Foundation
import JunctionCore

/// Talks to an upstream token endpoint (RFC 6749 §4.1.3 and §6) with PKCE and the
/// `resource` parameter (RFC 8707). Redirects are not followed: a token endpoint that
/// redirects is refused.
package struct UpstreamOAuthTokenClient: Sendable {
    package let http: UpstreamHTTP
    package var timeout: Duration = .seconds(20)

    package init(http: UpstreamHTTP) {
        self.http = http
    }

    /// Exchanges an authorization code.
    package func exchange(code: String, verifier: String, redirectURI: String, resource: String,
                          client: UpstreamOAuthClient, tokenEndpoint: String) async throws -> UpstreamOAuthTokens {
        try await post(tokenEndpoint, client: client, fields: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("code_verifier", verifier), ("resource", resource),
        ])
    }

    /// Uses a refresh token.
    package func refresh(refreshToken: String, resource: String, client: UpstreamOAuthClient,
                         tokenEndpoint: String) async throws -> UpstreamOAuthTokens {
        try await post(tokenEndpoint, client: client, fields: [
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("resource", resource),
        ])
    }

    /// Parses a token response body; throws `UpstreamOAuthTokenFailure` for an error answer.
    package static func parse(status: Int, body: Data) throws -> UpstreamOAuthTokens {
        let json = try? JSONValue.parse(body)
        guard (200..<300).contains(status) else {
            throw UpstreamOAuthTokenFailure(status: status, error: json?["error"]?.stringValue ?? "http_\(status)",
                                            errorDescription: json?["error_description"]?.stringValue)
        }
        guard let json, let access = json["access_token"]?.stringValue, !access.isEmpty else {
            throw UpstreamOAuthTokenFailure(status: status, error: "invalid_response", errorDescription: "no access_token in the token response")
        }
        if let type = json["token_type"]?.stringValue, type.lowercased() != "bearer" {
            throw UpstreamOAuthTokenFailure(status: status, error: "invalid_response", errorDescription: "token_type \(type) is not Bearer")
        }
        return UpstreamOAuthTokens(accessToken: access, refreshToken: json["refresh_token"]?.stringValue,
                                   expiresIn: json["expires_in"]?.intValue ?? json["expires_in"]?.stringValue.flatMap(Int.init),
                                   scope: json["scope"]?.stringValue)
    }

    private func post(_ endpoint: String, client: UpstreamOAuthClient, fields: [(String, String)]) async throws -> UpstreamOAuthTokens {
        guard let url = URL(string: endpoint) else { throw UpstreamOAuthError.discovery("token_endpoint \(endpoint) is not a URL") }
        var fields = fields
        var headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        switch client.authMethod {
        case "client_secret_basic" where client.clientSecret != nil:
            let pair = QueryEncoding.component(client.clientID) + ":" + QueryEncoding.component(client.clientSecret!)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        case "client_secret_post" where client.clientSecret != nil:
            fields += [("client_id", client.clientID), ("client_secret", client.clientSecret!)]
        default:
            fields.append(("client_id", client.clientID))
        }
        let response = try await http.send(method: "POST", url: url, headers: headers, body: UpstreamOAuthURLs.formBody(fields),
                                           maxBytes: 256 * 1024, timeout: timeout, followRedirects: false,
                                           sensitiveHeaders: ["authorization"])
        return try Self.parse(status: response.status, body: response.body)
    }
}
