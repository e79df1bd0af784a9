import Foundation
import GRDB
import Store
import TestSupport
import XCTest

/// The hot-path reads run on a connection of their own: they must see every commit at
/// once (another process's too) and never keep a read transaction open.
final class HotPathReaderTests: XCTestCase {
    func testReadsSeeEachCommitAtOnceAndHoldNoTransaction() throws {
        let path = TestEnvironment.temporaryDirectory().appendingPathComponent("hot.sqlite").path
        let db = try SQLiteStore(path: path)
        // Another connection, as another process would have: its commits must be seen.
        let other = try DatabaseQueue(path: path)
        let before = try db.authEpoch()
        try other.write { try $0.execute(sql: "UPDATE auth_epoch SET value = value + 5 WHERE id = 1") }
        XCTAssertEqual(try db.authEpoch(), before + 5)
        let user = try db.createUser(email: "hot@example.com", isAdmin: false, passwordHash: nil)
        try other.write { try $0.execute(sql: "INSERT INTO catalog_versions(owner, version) VALUES (?, 41)", arguments: [user.id]) }
        XCTAssertEqual(try db.hotPath.int64("SELECT version FROM catalog_versions WHERE owner = ?", user.id), 41)
        XCTAssertNil(try db.hotPath.int64("SELECT version FROM catalog_versions WHERE owner = ?", "nobody"))
        XCTAssertEqual(try db.hotPath.rows("SELECT id, email FROM users WHERE id = ?", user.id, columns: 2), [[user.id, "hot@example.com"]])
        // No read transaction left open: a truncating checkpoint completes (busy = 0).
        let busy = try other.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        XCTAssertEqual(busy, 0, "a hot-path read kept a transaction open")
    }
}
