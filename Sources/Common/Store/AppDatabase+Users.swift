import Foundation
import GRDB

extension AppDatabase {
    /// Returns the user with this email, creating it when it does not exist yet.
    package func userCreatingIfNeeded(email rawEmail: String) throws -> User {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.contains("@"), email.count <= 320 else { throw JunctionError.badRequest("'\(rawEmail)' is not an email address") }
        return try writer.write { db in
            if let user = try User.filter(Column("email") == email).fetchOne(db) { return user }
            let isFirst = try User.fetchCount(db) == 0
            let user = User(id: UUID().uuidString.lowercased(), email: email, isAdmin: isFirst, disabled: false, createdAt: Date())
            try user.insert(db)
            return user
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

    /// The enabled user a live token belongs to, or nil.
    package func authenticate(token: String) throws -> User? {
        let hash = TokenHasher.hash(token)
        let found: (User, APIToken)? = try writer.read { db in
            guard let t = try APIToken.filter(Column("tokenHash") == hash && Column("revokedAt") == nil).fetchOne(db),
                  let u = try User.fetchOne(db, key: t.owner), !u.disabled else { return nil }
            return (u, t)
        }
        guard let (user, record) = found else { return nil }
        // Record last use at most once a minute so authentication is not a write per request.
        if (record.lastUsedAt.map { Date().timeIntervalSince($0) > 60 } ?? true) {
            try? writer.write { db in
                try db.execute(sql: "UPDATE api_tokens SET lastUsedAt = ? WHERE id = ? AND owner = ?",
                               arguments: [Date(), record.id, record.owner])
            }
        }
        return user
    }

    /// The user with this id.
    package func user(id: String) throws -> User? {
        try writer.read { db in try User.fetchOne(db, key: id) }
    }
}
