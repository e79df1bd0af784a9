import Foundation

/// What Junction holds for one OAuth-protected MCP source after sign-in: where and as
/// whom to refresh, and the current tokens. Stored sealed (never in clear).
package struct UpstreamOAuthGrant: Sendable, Codable, Equatable {
    package var issuer: String
    package var tokenEndpoint: String
    package var resource: String
    package var scope: String?
    package var client: UpstreamOAuthClient
    package var accessToken: String
    package var refreshToken: String?
    package var expiresAt: Date?
    /// Set when a refresh failed for good: calls fail fast until the user signs in again.
    package var needsSignIn: Bool = false

    package init(issuer: String, tokenEndpoint: String, resource: String, scope: String?, client: UpstreamOAuthClient,
                 tokens: UpstreamOAuthTokens, now: Date = Date()) {
        self.issuer = issuer
        self.tokenEndpoint = tokenEndpoint
        self.resource = resource
        self.scope = scope
        self.client = client
        self.accessToken = tokens.accessToken
        self.refreshToken = tokens.refreshToken
        self.expiresAt = tokens.expiresIn.map { now.addingTimeInterval(TimeInterval($0)) }
    }

    /// Applies a refresh answer; a server that does not rotate refresh tokens keeps the old one.
    package mutating func apply(_ tokens: UpstreamOAuthTokens, now: Date = Date()) {
        accessToken = tokens.accessToken
        if let next = tokens.refreshToken { refreshToken = next }
        expiresAt = tokens.expiresIn.map { now.addingTimeInterval(TimeInterval($0)) }
        if let scope = tokens.scope { self.scope = scope }
        needsSignIn = false
    }

    /// True when the access token expires within `margin` (unknown expiry: never).
    package func expires(within margin: TimeInterval, now: Date = Date()) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt.timeIntervalSince(now) <= margin
    }
}

/// A successful token endpoint answer.
package struct UpstreamOAuthTokens: Sendable, Equatable {
    package var accessToken: String
    package var refreshToken: String?
    package var expiresIn: Int?
    package var scope: String?

    package init(accessToken: String, refreshToken: String? = nil, expiresIn: Int? = nil, scope: String? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.scope = scope
    }
}
