import Foundation
import JunctionCore
import Logging
import PostgresNIO
import Secrets

/// Junction as an OAuth authorization server and OpenID Connect client. Every secret
/// (code, access/refresh token, registration token, sign-in state) is stored as its
/// SHA-256. Single-use things (codes, refresh tokens, sign-in states) are taken with a
/// row lock (`FOR UPDATE`) or `DELETE … RETURNING`, so two hosts cannot both use one.
extension PostgresStore {
    // MARK: Clients

    package func oauthClient(id: String) async throws -> OAuthClientRecord? {
        try await rows("SELECT \(unescaped: OAuthClientRecord.selectColumns()) FROM oauth_clients WHERE id = \(id)")
            .first.map(OAuthClientRecord.init)
    }

    package func saveOAuthClient(_ client: OAuthClientRecord) async throws {
        try await rows(try client.insertQuery(
            suffix: "ON CONFLICT (id) DO UPDATE SET \(OAuthClientRecord.excludedAssignments(except: ["id"]))"))
    }

    package func markOAuthClientUsed(id: String) async throws {
        try await rows("UPDATE oauth_clients SET firstUsedAt = \(Date()) WHERE id = \(id) AND firstUsedAt IS NULL")
    }

    @discardableResult
    package func sweepUnusedOAuthClients(createdBefore cutoff: Date) async throws -> Int {
        try await rows("""
            DELETE FROM oauth_clients WHERE kind = 'registered' AND firstUsedAt IS NULL AND createdAt < \(cutoff) RETURNING id
            """).count
    }

    package func unusedOAuthClientCount() async throws -> Int {
        try await rows("SELECT COUNT(*) FROM oauth_clients WHERE kind = 'registered' AND firstUsedAt IS NULL").first?.decode(Int.self) ?? 0
    }

    /// A client that completed a flow stays marked across re-fetches; the oldest documents
    /// beyond `keep` go in the same transaction.
    package func saveMetadataClient(_ client: OAuthClientRecord, keep: Int) async throws {
        try await withTransaction { connection in
            var record = client
            let used = try await connection.rows("SELECT firstUsedAt FROM oauth_clients WHERE id = \(client.id) FOR UPDATE", logger: logger)
            if let row = used.first, let firstUsedAt = try row.decode(Date?.self) { record.firstUsedAt = firstUsedAt }
            try await connection.rows(try record.insertQuery(
                suffix: "ON CONFLICT (id) DO UPDATE SET \(OAuthClientRecord.excludedAssignments(except: ["id"]))"), logger: logger)
            try await connection.rows("""
                DELETE FROM oauth_clients WHERE kind = 'metadata' AND id NOT IN (
                    SELECT id FROM oauth_clients WHERE kind = 'metadata' ORDER BY createdAt DESC, id LIMIT \(max(1, keep)))
                """, logger: logger)
        }
    }

    package func metadataClientCount() async throws -> Int {
        try await rows("SELECT COUNT(*) FROM oauth_clients WHERE kind = 'metadata'").first?.decode(Int.self) ?? 0
    }

    // MARK: Consent

    package func consent(userId: String, clientId: String) async throws -> OAuthConsent? {
        try await rows("""
            SELECT \(unescaped: OAuthConsent.selectColumns()) FROM oauth_consents WHERE userId = \(userId) AND clientId = \(clientId)
            """).first.map(OAuthConsent.init)
    }

    package func saveConsent(userId: String, clientId: String, scope: String) async throws {
        let consent = OAuthConsent(userId: userId, clientId: clientId, scope: scope, createdAt: Date())
        try await rows(try consent.insertQuery(
            suffix: "ON CONFLICT (userId, clientId) DO UPDATE SET \(OAuthConsent.excludedAssignments(except: ["userId", "clientId"]))"))
    }

    // MARK: Codes and tokens

    package func insertOAuthCode(_ code: OAuthCode) async throws {
        try await rows(try code.insertQuery())
    }

    /// A second redemption revokes the tokens of the code's family.
    package func redeemOAuthCode(hash: String) async throws -> CodeRedemption {
        try await withTransaction { connection in
            guard let row = try await connection.rows("""
                SELECT \(unescaped: OAuthCode.selectColumns()) FROM oauth_codes WHERE codeHash = \(hash) FOR UPDATE
                """, logger: logger).first else { return .unknown }
            var code = try OAuthCode(row)
            if code.usedAt != nil {
                try await Self.revokeTokenFamily(connection, code.familyId, logger: logger)
                return .replayed
            }
            let now = Date()
            try await connection.rows("UPDATE oauth_codes SET usedAt = \(now) WHERE codeHash = \(hash)", logger: logger)
            code.usedAt = now
            return .fresh(code)
        }
    }

    /// Revokes every token of a grant (code replay, refresh-token reuse, refresh revocation).
    static func revokeTokenFamily(_ connection: PostgresConnection, _ familyId: String, logger: Logger) async throws {
        try await connection.rows("""
            UPDATE oauth_tokens SET revokedAt = COALESCE(revokedAt, \(Date())) WHERE familyId = \(familyId)
            """, logger: logger)
    }

    package func insertOAuthTokens(_ tokens: [OAuthToken]) async throws {
        try await withTransaction { connection in
            for token in tokens { try await connection.rows(try token.insertQuery(), logger: logger) }
        }
    }

    package func oauthToken(hash: String) async throws -> OAuthToken? {
        try await rows("SELECT \(unescaped: OAuthToken.selectColumns()) FROM oauth_tokens WHERE tokenHash = \(hash)").first.map(OAuthToken.init)
    }

    /// Presenting an exchanged refresh token again is reuse: every token of its family is
    /// revoked (RFC 9700 §4.14.2). The access tokens issued before a rotation retire with it.
    package func useRefreshToken(hash: String, clientId: String) async throws -> RefreshUse {
        try await withTransaction { connection in
            guard let row = try await connection.rows("""
                SELECT \(unescaped: OAuthToken.selectColumns()) FROM oauth_tokens WHERE tokenHash = \(hash) AND kind = 'refresh' FOR UPDATE
                """, logger: logger).first else { return .invalid }
            var token = try OAuthToken(row)
            guard token.clientId == clientId else { return .invalid }
            if token.usedAt != nil {
                try await Self.revokeTokenFamily(connection, token.familyId, logger: logger)
                return .reused
            }
            let now = Date()
            guard token.revokedAt == nil, token.expiresAt > now else { return .invalid }
            try await connection.rows("UPDATE oauth_tokens SET usedAt = \(now) WHERE id = \(token.id)", logger: logger)
            token.usedAt = now
            try await connection.rows("""
                UPDATE oauth_tokens SET revokedAt = COALESCE(revokedAt, \(now)) WHERE familyId = \(token.familyId) AND kind = 'access'
                """, logger: logger)
            return .fresh(token)
        }
    }

    /// Only the client a token was issued to may revoke it; anything else is ignored.
    package func revokeOAuthToken(hash: String, clientId: String) async throws {
        try await withTransaction { connection in
            guard let row = try await connection.rows("""
                SELECT \(unescaped: OAuthToken.selectColumns()) FROM oauth_tokens WHERE tokenHash = \(hash) FOR UPDATE
                """, logger: logger).first else { return }
            let token = try OAuthToken(row)
            guard token.clientId == clientId else { return }
            if token.kind == "refresh" {
                try await Self.revokeTokenFamily(connection, token.familyId, logger: logger)
            } else {
                try await connection.rows("UPDATE oauth_tokens SET revokedAt = COALESCE(revokedAt, \(Date())) WHERE id = \(token.id)",
                                          logger: logger)
            }
        }
    }

    package func userForAccessToken(_ token: String, resource: String) async throws -> User? {
        try await accessTokenIdentity(hash: TokenHasher.hash(token), resource: resource, now: Date())?.user
    }

    /// The enabled user of a live access token (by hash) for `resource`, and its expiry.
    func accessTokenIdentity(hash: String, resource: String, now: Date) async throws -> BearerIdentity? {
        guard let row = try await rows("""
            SELECT \(unescaped: User.selectColumns("u")), t.expiresAt FROM oauth_tokens t JOIN users u ON u.id = t.userId
            WHERE t.tokenHash = \(hash) AND t.kind = 'access' AND t.revokedAt IS NULL AND t.expiresAt > \(now)
              AND t.resource = \(resource) AND NOT u.disabled
            """).first else { return nil }
        var reader = PostgresRowReader(row)
        let user = try User(reading: &reader)
        return BearerIdentity(user: user, expiresAt: try reader.next(Date.self))
    }

    // MARK: OIDC sign-in state

    package func insertOIDCState(_ state: OIDCLoginState) async throws {
        try await withTransaction { connection in
            try await connection.rows("DELETE FROM oidc_login_states WHERE expiresAt < \(Date())", logger: logger)
            try await connection.rows(try state.insertQuery(), logger: logger)
        }
    }

    package func takeOIDCState(hash: String) async throws -> OIDCLoginState? {
        guard let row = try await rows("""
            DELETE FROM oidc_login_states WHERE stateHash = \(hash) RETURNING \(unescaped: OIDCLoginState.selectColumns())
            """).first else { return nil }
        let state = try OIDCLoginState(row)
        return state.expiresAt > Date() ? state : nil
    }
}
