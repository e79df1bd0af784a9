import Config
import Configuration
import Foundation
@testable import Frontend
import JunctionCore
import Redis
import TestSupport
import XCTest

/// The anonymous-endpoint throttle: limits as written in the configuration, buckets in a
/// real redis-server shared by frontends, failure-only accounting, and the client address
/// the buckets are keyed by.
final class AbuseThrottleTests: XCTestCase {
    func testLimitsParseAsCountPerWindowOrOff() throws {
        XCTAssertEqual(try ThrottleLimit.parse("10/m", key: "K"), ThrottleLimit(count: 10, windowMs: 60_000))
        XCTAssertEqual(try ThrottleLimit.parse(" 5/H ", key: "K"), ThrottleLimit(count: 5, windowMs: 3_600_000))
        XCTAssertEqual(try ThrottleLimit.parse("3/30s", key: "K"), ThrottleLimit(count: 3, windowMs: 30_000))
        XCTAssertEqual(try ThrottleLimit.parse("100/d", key: "K"), ThrottleLimit(count: 100, windowMs: 86_400_000))
        XCTAssertNil(try ThrottleLimit.parse("off", key: "K"))
        XCTAssertNil(try ThrottleLimit.parse("0", key: "K"))
        for bad in ["10", "ten/m", "10/x", "10/0s", "-1/m", "10/m/s", "/m"] {
            XCTAssertThrowsError(try ThrottleLimit.parse(bad, key: "JUNCTION_THROTTLE_X"), bad) { error in
                XCTAssertTrue((error as? JunctionError)?.message.contains("JUNCTION_THROTTLE_X") ?? false)
            }
        }
        let config = try AuthConfiguration(reader: ConfigReader(environment: [:]))
        XCTAssertEqual(Set(config.throttles.keys), Set(ThrottleBucket.allCases), "every bucket is on by default")
        let tuned = try AuthConfiguration(reader: ConfigReader(environment: ["JUNCTION_THROTTLE_REGISTER_IP": "off", "JUNCTION_THROTTLE_TOKEN_IP": "1000/m"]))
        XCTAssertNil(tuned.throttles[.registerPerIP])
        XCTAssertEqual(tuned.throttles[.tokenPerIP], ThrottleLimit(count: 1000, windowMs: 60_000))
        XCTAssertThrowsError(try AuthConfiguration(reader: ConfigReader(environment: ["JUNCTION_THROTTLE_SIGNIN_IP": "lots"])))
        XCTAssertThrowsError(try AuthConfiguration(reader: ConfigReader(environment: ["JUNCTION_TRUSTED_PROXIES": "proxy.example"])))
    }

    func testBucketsAdmitTheirBurstThenRefuseWithAWaitAndAreSharedByInstances() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let limits: [ThrottleBucket: ThrottleLimit] = [.registerPerIP: ThrottleLimit(count: 3, windowMs: 60_000),
                                                       .signInFailuresPerAccount: ThrottleLimit(count: 2, windowMs: 3_600_000)]
        let a = AbuseThrottle(redis: RedisClient(url: redis.url), limits: limits)
        let b = AbuseThrottle(redis: RedisClient(url: redis.url), limits: limits)
        var refusals: [ThrottleRefusal?] = []
        for instance in [a, b, a, b, a] { refusals.append(await instance.take([(.registerPerIP, "203.0.113.9")])) }
        XCTAssertEqual(refusals.prefix(3).compactMap { $0 }.count, 0)
        for refusal in refusals.dropFirst(3) {
            let r = try XCTUnwrap(refusal)
            XCTAssertEqual(r.bucket, .registerPerIP)
            XCTAssertEqual(r.status, 429)
            XCTAssertTrue((1...20).contains(r.retryAfter), "one token per 20 s: \(r.retryAfter)")
            XCTAssertTrue(r.message.contains("try again in"), r.message)
        }
        let neighbour = await a.take([(.registerPerIP, "203.0.113.10")])
        XCTAssertNil(neighbour, "buckets are per address")
        let unlimited = await a.take([(.tokenPerIP, "203.0.113.9")])
        XCTAssertNil(unlimited, "a bucket without a limit is off")

        // Failure-counted buckets: checking takes nothing; only charged failures count.
        for _ in 0..<5 { let c = await a.check(.signInFailuresPerAccount, "Victim@Example.com"); XCTAssertNil(c) }
        await a.charge(.signInFailuresPerAccount, "victim@example.com")
        await b.charge(.signInFailuresPerAccount, "VICTIM@example.com")
        let locked = await b.check(.signInFailuresPerAccount, "victim@example.com")
        XCTAssertEqual(locked?.bucket, .signInFailuresPerAccount, "subjects are case-insensitive and shared by instances")
        XCTAssertTrue((1...1800).contains(locked?.retryAfter ?? 0), "\(String(describing: locked))")
    }

    func testAnUnreachableStoreRefusesRatherThanLettingWorkThrough() async throws {
        let throttle = AbuseThrottle(redis: RedisClient(url: .tcp(host: "127.0.0.1", port: TestEnvironment.freePort(), database: 0)),
                                     limits: [.signInPerIP: ThrottleLimit(count: 5, windowMs: 60_000)])
        let refusal = await throttle.take([(.signInPerIP, "198.51.100.1")])
        XCTAssertNil(refusal?.bucket)
        XCTAssertEqual(refusal?.status, 503)
    }

    func testTheClientAddressIsThePeerUnlessATrustedProxyVouchesForAnother() throws {
        let trusted = ["10.0.0.0/8", "127.0.0.1", "::1"].compactMap(IPNetwork.init)
        XCTAssertEqual(trusted.count, 3)
        // Untrusted peers: X-Forwarded-For is ignored, so a client cannot pick its own key.
        XCTAssertEqual(ClientAddress.resolve(peer: "203.0.113.5", forwardedFor: ["198.51.100.1"], trusted: trusted), "203.0.113.5")
        // A trusted proxy: the nearest hop that is not itself trusted; spoofed hops further left are ignored.
        XCTAssertEqual(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["1.2.3.4", "198.51.100.7"], trusted: trusted), "198.51.100.7")
        XCTAssertEqual(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["1.2.3.4", "198.51.100.7", "10.9.9.9"], trusted: trusted), "198.51.100.7")
        XCTAssertEqual(ClientAddress.resolve(peer: "::ffff:127.0.0.1", forwardedFor: ["198.51.100.8"], trusted: trusted), "198.51.100.8")
        // Garbage a proxy could not have written ends the walk at the last vouched-for address.
        XCTAssertEqual(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["evil", "10.0.0.2"], trusted: trusted), "10.0.0.2")
        XCTAssertEqual(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: [], trusted: trusted), "127.0.0.1")
        XCTAssertNil(ClientAddress.resolve(peer: nil, forwardedFor: ["1.2.3.4"], trusted: trusted))
        // IPv6 clients are keyed by their /64: rotating addresses inside it does not help.
        XCTAssertEqual(ClientAddress.throttleKey("2001:db8:1:2:aaaa::1"), ClientAddress.throttleKey("2001:db8:1:2:ffff::9"))
        XCTAssertNotEqual(ClientAddress.throttleKey("2001:db8:1:2::1"), ClientAddress.throttleKey("2001:db8:1:3::1"))
        XCTAssertEqual(ClientAddress.throttleKey("2001:db8:1:2::1"), "2001:db8:1:2::/64")
        XCTAssertEqual(ClientAddress.throttleKey("::ffff:192.0.2.1"), "192.0.2.1")
        XCTAssertEqual(ClientAddress.throttleKey(nil), "unknown")
        XCTAssertTrue(IPNetwork("10.0.0.0/8")!.contains(IPNetwork.bytes("10.200.1.1")!))
        XCTAssertFalse(IPNetwork("10.0.0.0/8")!.contains(IPNetwork.bytes("11.0.0.1")!))
        XCTAssertTrue(IPNetwork("2001:db8::/33")!.contains(IPNetwork.bytes("2001:db8:7fff::1")!))
        XCTAssertFalse(IPNetwork("2001:db8::/33")!.contains(IPNetwork.bytes("2001:db8:8000::1")!))
        XCTAssertNil(IPNetwork("10.0.0.0/33"))
        XCTAssertNil(IPNetwork("proxy.example"))
    }

    func testPasswordWorkIsBoundedAndRefusedBeyondTheQueue() async throws {
        let stored = try PasswordHasher.hashBlocking("a long enough password", rounds: 400_000)
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<(PasswordHasher.maxAdmitted + 16) {
                group.addTask {
                    do { return try await PasswordHasher.verify("wrong password!", against: stored) ? "match" : "checked" } catch let e as JunctionError {
                        return e.code
                    } catch { return "\(error)" }
                }
            }
            var all: [String] = []
            for await o in group { all.append(o) }
            return all
        }
        XCTAssertEqual(outcomes.filter { $0 == "sign_in_busy" }.count, 16, "\(outcomes)")
        XCTAssertEqual(outcomes.filter { $0 == "checked" }.count, PasswordHasher.maxAdmitted)
    }
}
