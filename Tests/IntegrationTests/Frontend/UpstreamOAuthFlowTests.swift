import Foundation
@testable import Frontend
import JunctionCore
import Redis
import Secrets
import TestSupport
import Upstream
import XCTest

/// The frontend's side of signing in to an upstream MCP server: the issuer check and the
/// single-use, sealed state in Redis (against a real redis-server).
final class UpstreamOAuthFlowTests: XCTestCase {
    private func flow(issRequired: Bool) -> UpstreamOAuthFlow {
        UpstreamOAuthFlow(owner: "u1", sourceID: "s1", verifier: "v", redirectURI: "https://j/cb", resource: "https://m/mcp", scope: nil,
                          issuer: "https://as.example", tokenEndpoint: "https://as.example/t", issRequired: issRequired,
                          client: UpstreamOAuthClient(kind: "dynamic", clientID: "c"))
    }

    func testIssuerCheck() throws {
        XCTAssertNoThrow(try flow(issRequired: false).checkIssuer(nil))
        XCTAssertNoThrow(try flow(issRequired: true).checkIssuer("https://as.example"))
        XCTAssertThrowsError(try flow(issRequired: false).checkIssuer("https://evil.example")) { error in
            XCTAssertEqual((error as? JunctionError)?.code, "oauth_issuer_mismatch")
        }
        XCTAssertThrowsError(try flow(issRequired: true).checkIssuer(nil)) { error in
            XCTAssertEqual((error as? JunctionError)?.code, "oauth_issuer_missing")
        }
    }

    func testFlowStateIsSealedSingleUseAndExpires() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close(); server.stop() }
        let box = SecretBox(keyring: try Keyring(activeKeyID: "k1", keys: ["k1": Data(repeating: 7, count: 32)]))
        var store = UpstreamOAuthFlowStore(redis: redis, box: box)
        let original = flow(issRequired: true)
        let state = try await store.begin(original)
        XCTAssertGreaterThanOrEqual(state.count, 43)
        let keys = try await redis.send("KEYS", "junction:upstream-oauth:state:*").array ?? []
        XCTAssertEqual(keys.count, 1)
        XCTAssertFalse(keys[0].string!.contains(state), "the state itself is not the key")
        let raw = try await redis.send("GET", keys[0].string!).string ?? ""
        XCTAssertFalse(raw.contains("\"verifier\""), "stored sealed, not in clear")
        let peeked = try await store.peek(state)
        XCTAssertEqual(peeked, original)
        let taken = try await store.take(state)
        XCTAssertEqual(taken, original)
        let replay = try await store.take(state)
        XCTAssertNil(replay, "a state is used once")
        let madeUp = try await store.take("made-up")
        XCTAssertNil(madeUp)
        store.ttl = .milliseconds(100)
        let short = try await store.begin(original)
        try await Task.sleep(for: .milliseconds(250))
        let expired = try await store.take(short)
        XCTAssertNil(expired, "an expired state is refused")
    }
}
