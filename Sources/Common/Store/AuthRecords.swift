import Foundation

/// A browser sign-in. Only the SHA-256 of the cookie value is stored.
struct WebSessionRecord: Sendable, Codable, Equatable {
    package var id: String
    package var userId: String
    package var tokenHash: String
    package var createdAt: Date
    package var expiresAt: Date

    package init(id: String, userId: String, tokenHash: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.userId = userId
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A built-in account's password hash (PBKDF2-SHA256, self-describing string).
struct PasswordCredential: Sendable, Codable, Equatable {
    package var userId: String
    package var passwordHash: String
    package var updatedAt: Date

    package init(userId: String, passwordHash: String, updatedAt: Date) {
        self.userId = userId
        self.passwordHash = passwordHash
        self.updatedAt = updatedAt
    }
}

/// One allowlist entry: an exact email (`ada@example.com`) or a domain (`example.com`).
package struct AllowlistEntry: Sendable, Codable, Equatable {
    package var id: String
    package var kind: String
    package var value: String
    package var createdAt: Date

    package init(id: String, kind: String, value: String, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.value = value
        self.createdAt = createdAt
    }
}

/// An OAuth client of Junction's authorization server: dynamically registered
/// (RFC 7591, `kind = "registered"`) or a cached Client ID Metadata Document (`kind = "metadata"`).
package struct OAuthClientRecord: Sendable, Codable, Equatable {
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
    /// When the client first obtained tokens (completed a flow). A registered client that
    /// never does expires (`SQLiteStore.sweepUnusedOAuthClients`).
    package var firstUsedAt: Date?

    package init(id: String, kind: String, name: String, redirectUris: String, metadata: String, registrationTokenHash: String?, createdAt: Date,
                 refreshAfter: Date?, firstUsedAt: Date? = nil) {
        self.id = id
        self.kind = kind
        self.name = name
        self.redirectUris = redirectUris
        self.metadata = metadata
        self.registrationTokenHash = registrationTokenHash
        self.createdAt = createdAt
        self.refreshAfter = refreshAfter
        self.firstUsedAt = firstUsedAt
    }
}

/// An identity at an OpenID Connect issuer linked to an account: sign-in finds the account
/// by issuer + subject (`sub`), never again by email once linked.
package struct UserIdentity: Sendable, Codable, Equatable {
    package var issuer: String
    package var subject: String
    package var userId: String
    /// The email the issuer last asserted (informational; accounts are not found by it).
    package var email: String?
    package var createdAt: Date
    package var lastSignInAt: Date

    package init(issuer: String, subject: String, userId: String, email: String?, createdAt: Date, lastSignInAt: Date) {
        self.issuer = issuer
        self.subject = subject
        self.userId = userId
        self.email = email
        self.createdAt = createdAt
        self.lastSignInAt = lastSignInAt
    }
}

/// A person's remembered consent for a client.
package struct OAuthConsent: Sendable, Codable, Equatable {
    package var userId: String
    package var clientId: String
    package var scope: String
    package var createdAt: Date

    package init(userId: String, clientId: String, scope: String, createdAt: Date) {
        self.userId = userId
        self.clientId = clientId
        self.scope = scope
        self.createdAt = createdAt
    }
}

/// An authorization code (hashed), single-use and short-lived.
package struct OAuthCode: Sendable, Codable, Equatable {
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

    package init(codeHash: String, clientId: String, userId: String, redirectUri: String, codeChallenge: String, scope: String, resource: String, familyId: String, expiresAt: Date, usedAt: Date?) {
        self.codeHash = codeHash
        self.clientId = clientId
        self.userId = userId
        self.redirectUri = redirectUri
        self.codeChallenge = codeChallenge
        self.scope = scope
        self.resource = resource
        self.familyId = familyId
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}

/// An issued access or refresh token (hashed). Tokens of one grant share a family.
package struct OAuthToken: Sendable, Codable, Equatable {
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

    package init(id: String, tokenHash: String, kind: String, familyId: String, clientId: String, userId: String, scope: String, resource: String, createdAt: Date, expiresAt: Date, usedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.tokenHash = tokenHash
        self.kind = kind
        self.familyId = familyId
        self.clientId = clientId
        self.userId = userId
        self.scope = scope
        self.resource = resource
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
    }
}

/// A pending OpenID Connect sign-in (state hashed), single-use.
package struct OIDCLoginState: Sendable, Codable, Equatable {
    package var stateHash: String
    package var nonce: String
    package var codeVerifier: String
    package var next: String
    package var expiresAt: Date

    package init(stateHash: String, nonce: String, codeVerifier: String, next: String, expiresAt: Date) {
        self.stateHash = stateHash
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.next = next
        self.expiresAt = expiresAt
    }
}
