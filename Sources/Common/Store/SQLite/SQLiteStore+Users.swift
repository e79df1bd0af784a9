import Foundation
import GRDB
import JunctionCore
import Secrets

extension SQLiteStore {
    /// Returns the user with this email, creating it when it does not exist yet.
    package func userCreatingIfNeeded(email rawEmail: String) throws -> User {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.contains("@"), email.count <= 320 else { throw StoreError.invalidEmail(rawEmail) }
        return try writer.write { db in
            if let user = try User.filter(Column("email") == email).fetchOne(db) { return user }
            return try Self.insertUser(db, email: email, isAdmin: try User.fetchCount(db) == 0, passwordHash: nil)
        }
    }

    /// Creates a personal API token; the plaintext is returned once and never stored.
    package func createAPIToken(owner: String, name: String) throws -> (token: String, record: APIToken) {
        let token = TokenHasher.newToken()
        let record = APIToken(id: UUID().uuidString.lowercased(), owner: owner, name: name,
                              tokenHash: TokenHasher.hash(token), createdAt: Date())
        try writer.write { db in try record.insert(db) }
        return (token, record)
    }

    /// The enabled user a live personal API token belongs to, or nil.
    package func authenticate(token: String) throws -> User? {
        try userForBearer(token, accessTokenResource: nil)
    }

    /// The enabled user of a bearer token (see `bearerIdentity`).
    package func userForBearer(_ token: String, accessTokenResource: String?) throws -> User? {
        try bearerIdentity(token, accessTokenResource: accessTokenResource)?.user
    }

    /// The enabled user of a bearer token and when the token expires, in one read
    /// transaction with one indexed JOIN per token kind: a live personal API token first,
    /// then (only when `accessTokenResource` is given) a live OAuth access token issued
    /// for that resource. Statements are compiled once per connection.
    package func bearerIdentity(_ token: String, accessTokenResource: String?) throws -> BearerIdentity? {
        let hash = TokenHasher.hash(token)
        let now = Date()
        let found: (identity: BearerIdentity, staleAPITokenId: String?)? = try writer.read { db in
            if let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT users.*, api_tokens.id AS apiTokenId, api_tokens.lastUsedAt AS apiTokenLastUsedAt
                FROM api_tokens JOIN users ON users.id = api_tokens.owner
                WHERE api_tokens.tokenHash = ? AND api_tokens.revokedAt IS NULL AND users.disabled = 0
                """), arguments: [hash]) {
                let lastUsedAt: Date? = row["apiTokenLastUsedAt"]
                let stale = lastUsedAt.map { now.timeIntervalSince($0) > 60 } ?? true
                return (BearerIdentity(user: try User(row: row), expiresAt: nil), stale ? row["apiTokenId"] : nil)
            }
            guard let resource = accessTokenResource,
                  let identity = try Self.accessTokenIdentity(db, hash: hash, resource: resource, now: now) else { return nil }
            return (identity, nil)
        }
        guard let (identity, staleId) = found else { return nil }
        // Record last use at most once a minute so authentication is not a write per request.
        if let staleId {
            try? writer.write { db in
                try db.execute(sql: "UPDATE api_tokens SET lastUsedAt = ? WHERE id = ? AND owner = ?",
                               arguments: [Date(), staleId, identity.user.id])
            }
        }
        return identity
    }

    /// The user with this id.
    package func user(id: String) throws -> User? {
        try writer.read { db in try User.fetchOne(db, key: id) }
    }
}
