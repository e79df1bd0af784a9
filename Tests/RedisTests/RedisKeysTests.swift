import Redis
import XCTest

/// Every key keeps the spelling a running deployment already has in Redis, and every
/// per-user key carries the user's hash tag (one cluster slot per user).
final class RedisKeysTests: XCTestCase {
    func testKeysKeepTheirSpelling() {
        XCTAssertEqual(RedisKeys.jobStream(kind: "exec", owner: "u1"), "junction:{u:u1}:exec")
        XCTAssertEqual(RedisKeys.readyOwners(kind: "refresh"), "junction:ready:refresh")
        XCTAssertEqual(RedisKeys.allOwners(kind: "exec"), "junction:owners:exec")
        XCTAssertEqual(RedisKeys.replyStream(frontend: "f1"), "junction:reply:f1")
        XCTAssertEqual(RedisKeys.cancel(jobID: "j1"), "junction:cancel:j1")
        XCTAssertEqual(RedisKeys.runSlots(owner: "u1"), "junction:{u:u1}:running")
        XCTAssertEqual(RedisKeys.sessionPrefix(owner: "u1"), "junction:{u:u1}:session:")
        XCTAssertEqual(RedisKeys.sessionRun(owner: "u1", session: "s1", requestID: "7"), "junction:{u:u1}:sessionrun:s1:7")
        XCTAssertEqual(RedisKeys.legacySSESessionPrefix, "junction:ssesession:")
        XCTAssertEqual(RedisKeys.rate(owner: "u1"), "junction:{u:u1}:rate")
        XCTAssertEqual(RedisKeys.throttle(bucket: "ip", subjectHash: "ab"), "junction:throttle:{ip:ab}")
        XCTAssertEqual(RedisKeys.upstreamOAuthStatePrefix, "junction:upstream-oauth:state:")
        XCTAssertEqual(RedisKeys.oauthRefreshLock(owner: "u1", sourceID: "s"), "junction:{u:u1}:oauth-refresh:s")
        XCTAssertEqual(RedisKeys.refreshClaim(owner: "u1", sourceID: "s"), "junction:{u:u1}:refresh-claim:s")
        XCTAssertEqual(RedisKeys.processHeartbeat(id: "h-1-x"), "junction:{status}:proc:h-1-x")
        XCTAssertEqual(RedisKeys.processIndex, "junction:{status}:procs")
        XCTAssertEqual(RedisKeys.recentFailures, "junction:{status}:failures")
    }

    /// Redis Cluster hashes only what is inside the first `{…}`: for every per-user key
    /// that is exactly `u:<owner>`, so one script may touch a user's slots, stream and session.
    func testPerUserKeysShareTheUsersHashTag() {
        let keys = [
            RedisKeys.jobStream(kind: "exec", owner: "alice"), RedisKeys.runSlots(owner: "alice"),
            RedisKeys.sessionPrefix(owner: "alice") + "s", RedisKeys.sessionRun(owner: "alice", session: "s", requestID: "1"),
            RedisKeys.rate(owner: "alice"), RedisKeys.oauthRefreshLock(owner: "alice", sourceID: "x"),
            RedisKeys.refreshClaim(owner: "alice", sourceID: "x"),
        ]
        for key in keys {
            let open = key.firstIndex(of: "{")!
            let close = key[open...].firstIndex(of: "}")!
            XCTAssertEqual(key[key.index(after: open)..<close], "u:alice", key)
        }
    }
}
