import Foundation
import GRDB
import JunctionCore
import Secrets

/// Sign-in, allowlist and OAuth authorization-server storage. Every secret (session
/// cookie, code, access/refresh token, registration token) is stored as its SHA-256.
extension SQLiteStore {
    static func migrateAuth(_ db: Database) throws {
        try db.create(table: "web_sessions") { t in
            t.primaryKey("id", .text)
            t.column("userId", .text).notNull().indexed().references("users", onDelete: .cascade)
            t.column("tokenHash", .text).notNull().unique()
            t.column("createdAt", .datetime).notNull()
            t.column("expiresAt", .datetime).notNull()
        }
        try db.create(table: "password_credentials") { t in
            t.column("userId", .text).primaryKey().references("users", onDelete: .cascade)
            t.column("passwordHash", .text).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "allowlist") { t in
            t.primaryKey("id", .text)
            t.column("kind", .text).notNull()
            t.column("value", .text).notNull().collate(.nocase)
            t.column("createdAt", .datetime).notNull()
            t.uniqueKey(["kind", "value"])
        }
        try db.create(table: "oauth_clients") { t in
            t.primaryKey("id", .text)
            t.column("kind", .text).notNull()
            t.column("name", .text).notNull()
            t.column("redirectUris", .text).notNull()
            t.column("metadata", .text).notNull()
            t.column("registrationTokenHash", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("refreshAfter", .datetime)
        }
        try db.create(table: "oauth_consents") { t in
            t.column("userId", .text).notNull().references("users", onDelete: .cascade)
            t.column("clientId", .text).notNull()
            t.column("scope", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.primaryKey(["userId", "clientId"])
        }
        try db.create(table: "oauth_codes") { t in
            t.column("codeHash", .text).primaryKey()
            t.column("clientId", .text).notNull()
            t.column("userId", .text).notNull().references("users", onDelete: .cascade)
            t.column("redirectUri", .text).notNull()
            t.column("codeChallenge", .text).notNull()
            t.column("scope", .text).notNull()
            t.column("resource", .text).notNull()
            t.column("familyId", .text).notNull()
            t.column("expiresAt", .datetime).notNull()
            t.column("usedAt", .datetime)
        }
        try db.create(table: "oauth_tokens") { t in
            t.primaryKey("id", .text)
            t.column("tokenHash", .text).notNull().unique()
            t.column("kind", .text).notNull()
            t.column("familyId", .text).notNull().indexed()
            t.column("clientId", .text).notNull()
            t.column("userId", .text).notNull().indexed().references("users", onDelete: .cascade)
            t.column("scope", .text).notNull()
            t.column("resource", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("expiresAt", .datetime).notNull()
            t.column("usedAt", .datetime)
            t.column("revokedAt", .datetime)
        }
        try db.create(table: "oidc_login_states") { t in
            t.column("stateHash", .text).primaryKey()
            t.column("nonce", .text).notNull()
            t.column("codeVerifier", .text).notNull()
            t.column("next", .text).notNull()
            t.column("expiresAt", .datetime).notNull()
        }
    }

    // MARK: Users

    /// Number of users (first-run setup is open only while it is 0).
    package func userCount() throws -> Int {
        try writer.read { db in try User.fetchCount(db) }
    }

    /// The user with this email (case-insensitive), if any.
    package func user(email: String) throws -> User? {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        return try writer.read { db in try User.filter(Column("email") == email).fetchOne(db) }
    }

    /// Creates the first account as admin with a password; fails with 409 when any user exists.
    package func createFirstAdmin(email rawEmail: String, passwordHash: String) throws -> User {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        return try writer.write { db in
            guard try User.fetchCount(db) == 0 else { throw StoreError.setupDone }
            return try Self.insertUser(db, email: email, isAdmin: true, passwordHash: passwordHash)
        }
    }

    /// Creates a user (optionally with a password); 409 when the email is taken.
    package func createUser(email rawEmail: String, isAdmin: Bool, passwordHash: String?) throws -> User {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.contains("@"), email.count <= 320 else { throw StoreError.invalidEmail(rawEmail) }
        return try writer.write { db in
            if try User.filter(Column("email") == email).fetchCount(db) > 0 { throw StoreError.emailTaken(email) }
            return try Self.insertUser(db, email: email, isAdmin: isAdmin, passwordHash: passwordHash)
        }
    }

    /// Inserts a new, enabled user (with its password hash, if any) inside a write.
    static func insertUser(_ db: Database, email: String, isAdmin: Bool, passwordHash: String?) throws -> User {
        let user = User(id: UUID().uuidString.lowercased(), email: email, isAdmin: isAdmin, disabled: false, createdAt: Date())
        try user.insert(db)
        if let passwordHash { try PasswordCredential(userId: user.id, passwordHash: passwordHash, updatedAt: Date()).insert(db) }
        return user
    }

    /// Sets (or replaces) a user's password hash.
    package func setPasswordHash(userId: String, hash: String) throws {
        try writer.write { db in
            try PasswordCredential(userId: userId, passwordHash: hash, updatedAt: Date()).save(db)
        }
    }

    /// The stored password hash of a user, if the account has a password.
    package func passwordHash(userId: String) throws -> String? {
        try writer.read { db in try PasswordCredential.fetchOne(db, key: userId)?.passwordHash }
    }

    /// All users, oldest first.
    package func listUsers() throws -> [User] {
        try writer.read { db in try User.order(Column("createdAt"), Column("email")).fetchAll(db) }
    }

    /// Disables or enables a user. Disabling ends their browser sessions at once; their
    /// API and OAuth tokens are refused because every check reads `disabled`.
    package func setUserDisabled(id: String, disabled: Bool) throws -> User? {
        try writer.write { db in
            guard var user = try User.fetchOne(db, key: id) else { return nil }
            user.disabled = disabled
            try user.update(db)
            if disabled { try WebSessionRecord.filter(Column("userId") == id).deleteAll(db) }
            return user
        }
    }

    /// Makes a user an administrator or takes it away (bumps the auth epoch, like any user change).
    package func setUserAdmin(id: String, isAdmin: Bool) throws -> User? {
        try writer.write { db in
            guard var user = try User.fetchOne(db, key: id) else { return nil }
            user.isAdmin = isAdmin
            try user.update(db)
            return user
        }
    }

    // MARK: Personal API tokens

    /// A user's personal tokens, newest first (hashes included; callers must not expose them).
    package func listAPITokens(owner: String) throws -> [APIToken] {
        try writer.read { db in
            try APIToken.filter(Column("owner") == owner).order(Column("createdAt").desc).fetchAll(db)
        }
    }

    /// Revokes one of the owner's tokens; false when it does not exist for this owner.
    package func revokeAPIToken(id: String, owner: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE api_tokens SET revokedAt = COALESCE(revokedAt, ?) WHERE id = ? AND owner = ?",
                           arguments: [Date(), id, owner])
            return db.changesCount > 0
        }
    }

    // MARK: Web sessions

    /// Starts a browser session; returns the cookie value (shown to the browser only).
    package func createWebSession(userId: String, lifetime: TimeInterval) throws -> String {
        let token = TokenHasher.newToken(prefix: "jws")
        let now = Date()
        try writer.write { db in
            try WebSessionRecord(id: UUID().uuidString.lowercased(), userId: userId, tokenHash: TokenHasher.hash(token),
                                 createdAt: now, expiresAt: now.addingTimeInterval(lifetime)).insert(db)
            // Housekeeping: drop expired sessions of this user.
            try WebSessionRecord.filter(Column("userId") == userId && Column("expiresAt") < now).deleteAll(db)
        }
        return token
    }

    /// The enabled user of a live session cookie, or nil.
    package func userForWebSession(token: String) throws -> User? {
        let hash = TokenHasher.hash(token)
        return try writer.read { db in
            try User.fetchOne(db, sql: """
                SELECT users.* FROM web_sessions JOIN users ON users.id = web_sessions.userId
                WHERE web_sessions.tokenHash = ? AND web_sessions.expiresAt > ? AND users.disabled = 0
                """, arguments: [hash, Date()])
        }
    }

    /// Ends a session (logout).
    package func deleteWebSession(token: String) throws {
        try writer.write { db in _ = try WebSessionRecord.filter(Column("tokenHash") == TokenHasher.hash(token)).deleteAll(db) }
    }

    // MARK: Allowlist

    /// Admin-managed allowlist entries.
    package func listAllowlist() throws -> [AllowlistEntry] {
        try writer.read { db in try AllowlistEntry.order(Column("kind"), Column("value")).fetchAll(db) }
    }

    /// Adds an email or domain entry (idempotent).
    package func addAllowlistEntry(kind: String, value: String) throws -> AllowlistEntry {
        let value = value.trimmingCharacters(in: .whitespaces).lowercased()
        return try writer.write { db in
            if let existing = try AllowlistEntry.filter(Column("kind") == kind && Column("value") == value).fetchOne(db) { return existing }
            let entry = AllowlistEntry(id: UUID().uuidString.lowercased(), kind: kind, value: value, createdAt: Date())
            try entry.insert(db)
            return entry
        }
    }

    /// Removes an allowlist entry; false when it does not exist.
    package func deleteAllowlistEntry(id: String) throws -> Bool {
        try writer.write { db in try AllowlistEntry.deleteOne(db, key: id) }
    }

    // MARK: OAuth clients

    /// A client by id (registered or cached metadata document).
    package func oauthClient(id: String) throws -> OAuthClientRecord? {
        try writer.read { db in try OAuthClientRecord.fetchOne(db, key: id) }
    }

    /// Inserts or replaces a client.
    package func saveOAuthClient(_ client: OAuthClientRecord) throws {
        try writer.write { db in try client.save(db) }
    }

    // MARK: Consent

    /// Whether the user has approved this client for at least `scope` before.
    package func consent(userId: String, clientId: String) throws -> OAuthConsent? {
        try writer.read { db in try OAuthConsent.fetchOne(db, key: ["userId": userId, "clientId": clientId]) }
    }

    /// Remembers a consent.
    package func saveConsent(userId: String, clientId: String, scope: String) throws {
        try writer.write { db in try OAuthConsent(userId: userId, clientId: clientId, scope: scope, createdAt: Date()).save(db) }
    }

    // MARK: Codes and tokens

    /// Stores a new authorization code (already hashed in `code.codeHash`).
    package func insertOAuthCode(_ code: OAuthCode) throws {
        try writer.write { db in try code.insert(db) }
    }

    /// Marks a code used, atomically. A second redemption revokes the tokens of its family.
    package func redeemOAuthCode(hash: String) throws -> CodeRedemption {
        try writer.write { db in
            guard var code = try OAuthCode.fetchOne(db, key: hash) else { return .unknown }
            if code.usedAt != nil {
                try Self.revokeTokenFamily(db, code.familyId)
                return .replayed
            }
            code.usedAt = Date()
            try code.update(db)
            return .fresh(code)
        }
    }

    /// Revokes every token of a grant (code replay, refresh-token reuse, refresh revocation).
    private static func revokeTokenFamily(_ db: Database, _ familyId: String) throws {
        try db.execute(sql: "UPDATE oauth_tokens SET revokedAt = COALESCE(revokedAt, ?) WHERE familyId = ?", arguments: [Date(), familyId])
    }

    /// Stores issued tokens.
    package func insertOAuthTokens(_ tokens: [OAuthToken]) throws {
        try writer.write { db in for t in tokens { try t.insert(db) } }
    }

    /// A token row by the token's hash.
    package func oauthToken(hash: String) throws -> OAuthToken? {
        try writer.read { db in try OAuthToken.filter(Column("tokenHash") == hash).fetchOne(db) }
    }

    /// Marks a refresh token exchanged, atomically. Presenting an exchanged one again
    /// is reuse: every token of its family is revoked (RFC 9700 §4.14.2).
    package func useRefreshToken(hash: String, clientId: String) throws -> RefreshUse {
        try writer.write { db in
            guard var token = try OAuthToken.filter(Column("tokenHash") == hash && Column("kind") == "refresh").fetchOne(db),
                  token.clientId == clientId else { return .invalid }
            if token.usedAt != nil {
                try Self.revokeTokenFamily(db, token.familyId)
                return .reused
            }
            guard token.revokedAt == nil, token.expiresAt > Date() else { return .invalid }
            token.usedAt = Date()
            try token.update(db)
            // The access tokens issued before this rotation retire with it.
            try db.execute(sql: "UPDATE oauth_tokens SET revokedAt = COALESCE(revokedAt, ?) WHERE familyId = ? AND kind = 'access'",
                           arguments: [Date(), token.familyId])
            return .fresh(token)
        }
    }

    /// Revokes a token (RFC 7009). Revoking a refresh token revokes its family. Only the
    /// client it was issued to may revoke it; anything else is silently ignored.
    package func revokeOAuthToken(hash: String, clientId: String) throws {
        try writer.write { db in
            guard let token = try OAuthToken.filter(Column("tokenHash") == hash).fetchOne(db), token.clientId == clientId else { return }
            if token.kind == "refresh" {
                try Self.revokeTokenFamily(db, token.familyId)
            } else {
                try db.execute(sql: "UPDATE oauth_tokens SET revokedAt = COALESCE(revokedAt, ?) WHERE id = ?", arguments: [Date(), token.id])
            }
        }
    }

    /// The enabled user of a live OAuth access token for `resource`, or nil.
    package func userForAccessToken(_ token: String, resource: String) throws -> User? {
        let hash = TokenHasher.hash(token)
        return try writer.read { db in try Self.accessTokenIdentity(db, hash: hash, resource: resource, now: Date())?.user }
    }

    /// The enabled user of a live access token (by hash) for `resource`, and the token's
    /// expiry: one indexed JOIN.
    static func accessTokenIdentity(_ db: Database, hash: String, resource: String, now: Date) throws -> BearerIdentity? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT users.*, oauth_tokens.expiresAt AS tokenExpiresAt FROM oauth_tokens JOIN users ON users.id = oauth_tokens.userId
            WHERE oauth_tokens.tokenHash = ? AND oauth_tokens.kind = 'access' AND oauth_tokens.revokedAt IS NULL
              AND oauth_tokens.expiresAt > ? AND oauth_tokens.resource = ? AND users.disabled = 0
            """), arguments: [hash, now, resource]) else { return nil }
        return BearerIdentity(user: try User(row: row), expiresAt: row["tokenExpiresAt"])
    }

    // MARK: OIDC login state

    /// Stores a pending OIDC sign-in.
    package func insertOIDCState(_ state: OIDCLoginState) throws {
        try writer.write { db in
            try OIDCLoginState.filter(Column("expiresAt") < Date()).deleteAll(db)
            try state.insert(db)
        }
    }

    /// Takes (deletes and returns) a live pending OIDC sign-in.
    package func takeOIDCState(hash: String) throws -> OIDCLoginState? {
        try writer.write { db in
            guard let state = try OIDCLoginState.fetchOne(db, key: hash) else { return nil }
            try state.delete(db)
            return state.expiresAt > Date() ? state : nil
        }
    }
}
