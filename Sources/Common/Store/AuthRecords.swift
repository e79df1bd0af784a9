import Foundation
import GRDB

/// A browser sign-in. Only the SHA-256 of the cookie value is stored.
package struct WebSessionRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "web_sessions"
    package var id: String
    package var userId: String
    package var tokenHash: String
    package var createdAt: Date
    package var expiresAt: Date
}

/// A built-in account's password hash (PBKDF2-SHA256, self-describing string).
package struct PasswordCredential: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "password_credentials"
    package var userId: String
    package var passwordHash: String
    package var updatedAt: Date
}

/// One allowlist entry: an exact email (`ada@example.com`) or a domain (`example.com`).
package struct AllowlistEntry: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "allowlist"
    package var id: String
    package var kind: String
    package var value: String
    package var createdAt: Date
}

/// An OAuth client of Junction's authorization server: dynamically registered
/// (RFC 7591, `kind = "registered"`) or a cached Client ID Metadata Document (`kind = "metadata"`).
package struct OAuthClientRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_clients"
    package var id: String
    package var kind: String
    package var name: String
    /// JSON array of redirect URIs.
    package var redirectUris: String
    /// The client's metadata as registered/fetched (JSON object).
    package var metadata: String
    package var registrationTokenHash: String?
    package var createdAt: Date
    /// For metadata documents: when the cached copy must be fetched again.
    package var refreshAfter: Date?
}

/// A person's remembered consent for a client.
package struct OAuthConsent: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_consents"
    package var userId: String
    package var clientId: String
    package var scope: String
    package var createdAt: Date
}

/// An authorization code (hashed), single-use and short-lived.
package struct OAuthCode: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_codes"
    package var codeHash: String
    package var clientId: String
    package var userId: String
    package var redirectUri: String
    package var codeChallenge: String
    package var scope: String
    package var resource: String
    /// Tokens issued from this code share this family.
    package var familyId: String
    package var expiresAt: Date
    package var usedAt: Date?
}

/// An issued access or refresh token (hashed). Tokens of one grant share a family.
package struct OAuthToken: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_tokens"
    package var id: String
    package var tokenHash: String
    /// `access` or `refresh`.
    package var kind: String
    package var familyId: String
    package var clientId: String
    package var userId: String
    package var scope: String
    package var resource: String
    package var createdAt: Date
    package var expiresAt: Date
    /// For refresh tokens: when it was exchanged (a second use is reuse).
    package var usedAt: Date?
    package var revokedAt: Date?
}

/// A pending OpenID Connect sign-in (state hashed), single-use.
package struct OIDCLoginState: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oidc_login_states"
    package var stateHash: String
    package var nonce: String
    package var codeVerifier: String
    package var next: String
    package var expiresAt: Date
}
