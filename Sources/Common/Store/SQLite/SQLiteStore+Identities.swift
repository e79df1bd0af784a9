import Foundation
import GRDB
import JunctionCore

/// OpenID Connect identities linked to accounts. An account is found by issuer + subject;
/// an email match links an identity once (an account holds at most one identity per
/// issuer), and from then on the email the issuer asserts no longer decides who signs in.
extension SQLiteStore {
    static func migrateUserIdentities(_ db: Database) throws {
        try db.create(table: "user_identities") { t in
            t.column("issuer", .text).notNull()
            t.column("subject", .text).notNull()
            t.column("userId", .text).notNull().references("users", onDelete: .cascade)
            t.column("email", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("lastSignInAt", .datetime).notNull()
            t.primaryKey(["issuer", "subject"])
            t.uniqueKey(["userId", "issuer"])
        }
    }

    /// The account an identity is linked to (recording the sign-in), or nil.
    package func userForIdentity(issuer: String, subject: String, email: String?) throws -> User? {
        try writer.write { db in
            guard var identity = try UserIdentity.fetchOne(db, key: ["issuer": issuer, "subject": subject]) else { return nil }
            identity.lastSignInAt = Date()
            identity.email = email
            try identity.update(db)
            return try User.fetchOne(db, key: identity.userId)
        }
    }

    /// Links an identity whose issuer asserted the verified `email`: to the account with that
    /// email unless it is linked to another subject of the issuer, else to a new account.
    /// One transaction, so two first sign-ins at once cannot both link or both create.
    package func linkIdentity(issuer: String, subject: String, email rawEmail: String) throws -> IdentityLink {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.contains("@"), email.count <= 320 else { throw StoreError.invalidEmail(rawEmail) }
        return try writer.write { db in
            let now = Date()
            if let identity = try UserIdentity.fetchOne(db, key: ["issuer": issuer, "subject": subject]),
               let user = try User.fetchOne(db, key: identity.userId) {
                return .existing(user)
            }
            func link(_ user: User) throws {
                try UserIdentity(issuer: issuer, subject: subject, userId: user.id, email: email, createdAt: now, lastSignInAt: now).insert(db)
            }
            if let user = try User.filter(Column("email") == email).fetchOne(db) {
                if try UserIdentity.filter(Column("userId") == user.id && Column("issuer") == issuer).fetchCount(db) > 0 {
                    return .conflict(user)
                }
                try link(user)
                return .linked(user)
            }
            let user = try Self.insertUser(db, email: email, isAdmin: try User.fetchCount(db) == 0, passwordHash: nil)
            try link(user)
            return .created(user)
        }
    }

    /// The identities linked to an account.
    package func identities(userId: String) throws -> [UserIdentity] {
        try writer.read { db in try UserIdentity.filter(Column("userId") == userId).order(Column("createdAt")).fetchAll(db) }
    }
}
