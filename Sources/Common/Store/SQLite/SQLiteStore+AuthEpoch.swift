import Foundation
import GRDB

/// The auth epoch: one counter that triggers bump whenever anything that can make a valid
/// bearer token invalid changes — a user updated or deleted, a personal token revoked or
/// deleted, an OAuth token revoked, re-dated or deleted. A frontend may keep token → user
/// answers as long as the epoch it read with them is still current, so revocation and
/// disabling still take effect on the very next request, while an unchanged epoch costs
/// one single-row read instead of a token lookup. Because the triggers run inside the
/// writing transaction, no code path that revokes can forget to bump it.
extension SQLiteStore {
    static func migrateAuthEpoch(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE auth_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
            INSERT INTO auth_epoch (id, value) VALUES (1, 0);
            """)
        let bump = "UPDATE auth_epoch SET value = value + 1 WHERE id = 1;"
        try db.execute(sql: """
            CREATE TRIGGER auth_epoch_users_update AFTER UPDATE ON users BEGIN \(bump) END;
            CREATE TRIGGER auth_epoch_users_delete AFTER DELETE ON users BEGIN \(bump) END;
            CREATE TRIGGER auth_epoch_api_tokens_update AFTER UPDATE OF revokedAt, tokenHash, owner ON api_tokens
                WHEN OLD.revokedAt IS NOT NEW.revokedAt OR OLD.tokenHash IS NOT NEW.tokenHash OR OLD.owner IS NOT NEW.owner
                BEGIN \(bump) END;
            CREATE TRIGGER auth_epoch_api_tokens_delete AFTER DELETE ON api_tokens BEGIN \(bump) END;
            CREATE TRIGGER auth_epoch_oauth_tokens_update AFTER UPDATE OF revokedAt, expiresAt, resource, userId, tokenHash ON oauth_tokens
                WHEN OLD.revokedAt IS NOT NEW.revokedAt OR OLD.expiresAt IS NOT NEW.expiresAt OR OLD.resource IS NOT NEW.resource
                  OR OLD.userId IS NOT NEW.userId OR OLD.tokenHash IS NOT NEW.tokenHash
                BEGIN \(bump) END;
            CREATE TRIGGER auth_epoch_oauth_tokens_delete AFTER DELETE ON oauth_tokens BEGIN \(bump) END;
            """)
    }

    /// The current auth epoch (see the extension's documentation), read on the caller's
    /// thread through `HotPathReader`.
    package func authEpoch() throws -> Int64 {
        try hotPath.int64("SELECT value FROM auth_epoch WHERE id = 1") ?? 0
    }
}
