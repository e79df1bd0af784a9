import Foundation
import JunctionCore
import Logging
import PostgresNIO
import Synchronization
import Secrets

/// Users, personal tokens, browser sessions, the allowlist and the auth epoch.
extension PostgresStore {
    /// The advisory lock every transaction that may create a user takes first: "the first
    /// user is the admin" reads the count and inserts, which two hosts must not do at once
    /// (SQLite gets this from its single writer).
    static let usersLockKey: Int64 = 0x4A55_4E43_5553_4552

    static func lockUsers(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.rows("SELECT pg_advisory_xact_lock(\(usersLockKey))", logger: logger)
    }

    static func normalizedEmail(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespaces).lowercased()
    }

    static func validEmail(_ raw: String) throws -> String {
        let email = normalizedEmail(raw)
        guard email.contains("@"), email.count <= 320 else { throw StoreError.invalidEmail(raw) }
        return email
    }

    static func user(_ connection: PostgresConnection, email: String, logger: Logger) async throws -> User? {
        try await connection.rows("SELECT \(unescaped: User.selectColumns()) FROM users WHERE email = \(email)", logger: logger)
            .first.map(User.init)
    }

    static func userCount(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.rows("SELECT COUNT(*) FROM users", logger: logger).first?.decode(Int.self) ?? 0
    }

    /// Inserts a new, enabled user (with its password hash, if any) in the caller's transaction.
    static func insertUser(_ connection: PostgresConnection, email: String, isAdmin: Bool, passwordHash: String?,
                           logger: Logger) async throws -> User {
        let user = User(id: UUID().uuidString.lowercased(), email: email, isAdmin: isAdmin, disabled: false, createdAt: Date())
        try await connection.rows(try user.insertQuery(), logger: logger)
        if let passwordHash {
            try await connection.rows(try PasswordCredential(userId: user.id, passwordHash: passwordHash, updatedAt: Date()).insertQuery(),
                                      logger: logger)
        }
        return user
    }

    // MARK: Users

    package func userCount() async throws -> Int {
        try await rows("SELECT COUNT(*) FROM users").first?.decode(Int.self) ?? 0
    }

    package func user(email: String) async throws -> User? {
        try await rows("SELECT \(unescaped: User.selectColumns()) FROM users WHERE email = \(Self.normalizedEmail(email))").first.map(User.init)
    }

    package func user(id: String) async throws -> User? {
        try await rows("SELECT \(unescaped: User.selectColumns()) FROM users WHERE id = \(id)").first.map(User.init)
    }

    package func listUsers() async throws -> [User] {
        try await rows("SELECT \(unescaped: User.selectColumns()) FROM users ORDER BY createdAt, email").map(User.init)
    }

    package func createFirstAdmin(email rawEmail: String, passwordHash: String) async throws -> User {
        let email = Self.normalizedEmail(rawEmail)
        return try await withTransaction { connection in
            try await Self.lockUsers(connection, logger: logger)
            guard try await Self.userCount(connection, logger: logger) == 0 else { throw StoreError.setupDone }
            return try await Self.insertUser(connection, email: email, isAdmin: true, passwordHash: passwordHash, logger: logger)
        }
    }

    package func createUser(email rawEmail: String, isAdmin: Bool, passwordHash: String?) async throws -> User {
        let email = try Self.validEmail(rawEmail)
        return try await withTransaction { connection in
            try await Self.lockUsers(connection, logger: logger)
            if try await Self.user(connection, email: email, logger: logger) != nil { throw StoreError.emailTaken(email) }
            return try await Self.insertUser(connection, email: email, isAdmin: isAdmin, passwordHash: passwordHash, logger: logger)
        }
    }

    package func userCreatingIfNeeded(email rawEmail: String) async throws -> User {
        let email = try Self.validEmail(rawEmail)
        // Most calls find the user: no lock for them.
        if let user = try await user(email: email) { return user }
        return try await withTransaction { connection in
            try await Self.lockUsers(connection, logger: logger)
            if let user = try await Self.user(connection, email: email, logger: logger) { return user }
            let first = try await Self.userCount(connection, logger: logger) == 0
            return try await Self.insertUser(connection, email: email, isAdmin: first, passwordHash: nil, logger: logger)
        }
    }

    package func setPasswordHash(userId: String, hash: String) async throws {
        let credential = PasswordCredential(userId: userId, passwordHash: hash, updatedAt: Date())
        try await rows(try credential.insertQuery(
            suffix: "ON CONFLICT (userId) DO UPDATE SET \(PasswordCredential.excludedAssignments(except: ["userId"]))"))
    }

    package func passwordHash(userId: String) async throws -> String? {
        try await rows("SELECT passwordHash FROM password_credentials WHERE userId = \(userId)").first?.decode(String.self)
    }

    /// Disabling ends the user's browser sessions in the same transaction; their API and
    /// OAuth tokens are refused because every check reads `disabled`.
    package func setUserDisabled(id: String, disabled: Bool) async throws -> User? {
        try await withTransaction { connection in
            guard let row = try await connection.rows("""
                UPDATE users SET disabled = \(disabled) WHERE id = \(id) RETURNING \(unescaped: User.selectColumns())
                """, logger: logger).first else { return nil }
            if disabled { try await connection.rows("DELETE FROM web_sessions WHERE userId = \(id)", logger: logger) }
            return try User(row)
        }
    }

    package func setUserAdmin(id: String, isAdmin: Bool) async throws -> User? {
        try await rows("UPDATE users SET isAdmin = \(isAdmin) WHERE id = \(id) RETURNING \(unescaped: User.selectColumns())")
            .first.map(User.init)
    }

    // MARK: Personal API tokens

    package func listAPITokens(owner: String) async throws -> [APIToken] {
        try await rows("SELECT \(unescaped: APIToken.selectColumns()) FROM api_tokens WHERE owner = \(owner) ORDER BY createdAt DESC")
            .map(APIToken.init)
    }

    package func createAPIToken(owner: String, name: String) async throws -> (token: String, record: APIToken) {
        let token = TokenHasher.newToken()
        let record = APIToken(id: UUID().uuidString.lowercased(), owner: owner, name: name, tokenHash: TokenHasher.hash(token), createdAt: Date())
        try await rows(try record.insertQuery())
        return (token, record)
    }

    package func revokeAPIToken(id: String, owner: String) async throws -> Bool {
        let revoked = try await rows("""
            UPDATE api_tokens SET revokedAt = COALESCE(revokedAt, \(Date())) WHERE id = \(id) AND owner = \(owner) RETURNING id
            """)
        return !revoked.isEmpty
    }

    package func authenticate(token: String) async throws -> User? {
        try await bearerIdentity(token, accessTokenResource: nil)?.user
    }

    package func userForBearer(_ token: String, accessTokenResource: String?) async throws -> User? {
        try await bearerIdentity(token, accessTokenResource: accessTokenResource)?.user
    }

    /// One indexed JOIN per token kind: a live personal API token first, then (only with
    /// `accessTokenResource`) a live OAuth access token for that resource. Last use is
    /// recorded at most once a minute, so authentication is not a write per request.
    package func bearerIdentity(_ token: String, accessTokenResource: String?) async throws -> BearerIdentity? {
        let hash = TokenHasher.hash(token)
        let now = Date()
        if let row = try await rows("""
            SELECT \(unescaped: User.selectColumns("u")), t.id, t.lastUsedAt
            FROM api_tokens t JOIN users u ON u.id = t.owner
            WHERE t.tokenHash = \(hash) AND t.revokedAt IS NULL AND NOT u.disabled
            """).first {
            var reader = PostgresRowReader(row)
            let user = try User(reading: &reader)
            let tokenID: String = try reader.next()
            let lastUsedAt: Date? = try reader.next()
            if lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
                _ = try? await rows("UPDATE api_tokens SET lastUsedAt = \(now) WHERE id = \(tokenID) AND owner = \(user.id)", voidsCaches: false)
            }
            return BearerIdentity(user: user, expiresAt: nil)
        }
        guard let accessTokenResource else { return nil }
        return try await accessTokenIdentity(hash: hash, resource: accessTokenResource, now: now)
    }

    /// The auth epoch (see `SQLiteStore+AuthEpoch.swift`; the same triggers bump it here).
    /// From memory while the change feed says the last value read is still current (the
    /// triggers also notify every host), else one round trip.
    package func authEpoch() async throws -> Int64 {
        if let cached = changes.withState({ $0.cachedEpoch() }) { return cached }
        let stamp = changes.withState { $0.authStamp() }
        hotPathReads.add(1, ordering: .relaxed)
        let value = try await rows("SELECT value FROM auth_epoch WHERE id = 1").first?.decode(Int64.self) ?? 0
        changes.withState { $0.epochRead(value, stamp: stamp) }
        return value
    }

    // MARK: Web sessions

    package func createWebSession(userId: String, lifetime: TimeInterval) async throws -> String {
        let token = TokenHasher.newToken(prefix: "jws")
        let now = Date()
        let session = WebSessionRecord(id: UUID().uuidString.lowercased(), userId: userId, tokenHash: TokenHasher.hash(token),
                                       createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        try await withTransaction { connection in
            try await connection.rows(try session.insertQuery(), logger: logger)
            // Housekeeping: drop expired sessions of this user.
            try await connection.rows("DELETE FROM web_sessions WHERE userId = \(userId) AND expiresAt < \(now)", logger: logger)
        }
        return token
    }

    package func userForWebSession(token: String) async throws -> User? {
        try await rows("""
            SELECT \(unescaped: User.selectColumns("u")) FROM web_sessions s JOIN users u ON u.id = s.userId
            WHERE s.tokenHash = \(TokenHasher.hash(token)) AND s.expiresAt > \(Date()) AND NOT u.disabled
            """).first.map(User.init)
    }

    package func deleteWebSession(token: String) async throws {
        try await rows("DELETE FROM web_sessions WHERE tokenHash = \(TokenHasher.hash(token))")
    }

    // MARK: Allowlist

    package func listAllowlist() async throws -> [AllowlistEntry] {
        try await rows("SELECT \(unescaped: AllowlistEntry.selectColumns()) FROM allowlist ORDER BY kind, value").map(AllowlistEntry.init)
    }

    package func addAllowlistEntry(kind: String, value rawValue: String) async throws -> AllowlistEntry {
        let value = rawValue.trimmingCharacters(in: .whitespaces).lowercased()
        let entry = AllowlistEntry(id: UUID().uuidString.lowercased(), kind: kind, value: value, createdAt: Date())
        if let row = try await rows(try entry.insertQuery(
            suffix: "ON CONFLICT (kind, value) DO NOTHING RETURNING \(AllowlistEntry.selectColumns())")).first {
            return try AllowlistEntry(row)
        }
        guard let existing = try await rows("""
            SELECT \(unescaped: AllowlistEntry.selectColumns()) FROM allowlist WHERE kind = \(kind) AND value = \(value)
            """).first else { throw StoreError.unavailable("PostgreSQL: an allowlist entry vanished while it was added") }
        return try AllowlistEntry(existing)
    }

    package func deleteAllowlistEntry(id: String) async throws -> Bool {
        let deleted = try await rows("DELETE FROM allowlist WHERE id = \(id) RETURNING id")
        return !deleted.isEmpty
    }

    // MARK: Identities

    package func userForIdentity(issuer: String, subject: String, email: String?) async throws -> User? {
        try await rows("""
            WITH signed_in AS (
                UPDATE user_identities SET lastSignInAt = \(Date()), email = \(email)
                WHERE issuer = \(issuer) AND subject = \(subject) RETURNING userId)
            SELECT \(unescaped: User.selectColumns("u")) FROM users u JOIN signed_in ON u.id = signed_in.userId
            """).first.map(User.init)
    }

    /// One transaction under the users lock, so two first sign-ins at once cannot both
    /// link or both create.
    package func linkIdentity(issuer: String, subject: String, email rawEmail: String) async throws -> IdentityLink {
        let email = try Self.validEmail(rawEmail)
        return try await withTransaction { connection in
            try await Self.lockUsers(connection, logger: logger)
            let now = Date()
            if let row = try await connection.rows("""
                SELECT \(unescaped: User.selectColumns("u")) FROM user_identities i JOIN users u ON u.id = i.userId
                WHERE i.issuer = \(issuer) AND i.subject = \(subject)
                """, logger: logger).first {
                return .existing(try User(row))
            }
            func link(_ user: User) async throws {
                let identity = UserIdentity(issuer: issuer, subject: subject, userId: user.id, email: email, createdAt: now, lastSignInAt: now)
                try await connection.rows(try identity.insertQuery(), logger: logger)
            }
            if let user = try await Self.user(connection, email: email, logger: logger) {
                let linked = try await connection.rows("""
                    SELECT 1 FROM user_identities WHERE userId = \(user.id) AND issuer = \(issuer)
                    """, logger: logger)
                if !linked.isEmpty { return .conflict(user) }
                try await link(user)
                return .linked(user)
            }
            let first = try await Self.userCount(connection, logger: logger) == 0
            let user = try await Self.insertUser(connection, email: email, isAdmin: first, passwordHash: nil, logger: logger)
            try await link(user)
            return .created(user)
        }
    }

    package func identities(userId: String) async throws -> [UserIdentity] {
        try await rows("""
            SELECT \(unescaped: UserIdentity.selectColumns()) FROM user_identities WHERE userId = \(userId) ORDER BY createdAt
            """).map(UserIdentity.init)
    }
}
