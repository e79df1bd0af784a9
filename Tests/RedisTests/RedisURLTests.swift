import Foundation
import JunctionCore
import Redis
import XCTest

/// `REDIS_URL` as operators write it: credentials, databases, TLS, and errors that never
/// quote a password.
final class RedisURLTests: XCTestCase {
    func testBadURLsAreRefusedWithoutQuotingThePassword() {
        let secret = "Sup3r-S3cret"
        let cases: [(String, String)] = [
            ("http://:\(secret)@host:6379", "scheme"),
            ("redis://alice@host:6379", "no password"),
            ("redis://:\(secret)@host:99999", "port"),
            ("redis://:\(secret)@host:6379/seven", "database"),
            ("redis://:\(secret)@host:6379/-1", "database"),
            ("redis://:\(secret)%zz@host", "percent-encod"),
            ("rediss://:\(secret)@/0", "host"),
            ("unix://:\(secret)@", "path"),
            ("not a url at all \(secret)", ""),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try RedisURL(text), text) { error in
                let shown = "\(error) \(String(reflecting: error))"
                XCTAssertEqual((error as? JunctionError)?.code, "invalid_configuration", shown)
                XCTAssertFalse(shown.contains(secret), "the error quotes the password: \(shown)")
                XCTAssertTrue(shown.contains("REDIS_URL"), shown)
                if !fragment.isEmpty { XCTAssertTrue(shown.contains(fragment), "\(text): \(shown)") }
            }
        }
    }

    func testTLSSettingsWithoutRedissAreRefused() {
        XCTAssertThrowsError(try RedisURL("redis://127.0.0.1:6379", tls: RedisTLSOptions(caFile: "/ca.pem"))) {
            XCTAssertTrue("\($0)".contains("rediss"), "\($0)")
        }
        XCTAssertNoThrow(try RedisURL("redis://127.0.0.1:6379", tls: RedisTLSOptions()))
    }

    func testCredentialsDatabaseAndTLSAreRead() throws {
        let plain = try RedisURL("redis://example.com")
        XCTAssertEqual(plain.scheme, .redis)
        XCTAssertEqual(plain.host, "example.com")
        XCTAssertEqual(plain.port, 6379)
        XCTAssertNil(plain.user)
        XCTAssertNil(plain.password)
        XCTAssertEqual(plain.database, 0)
        XCTAssertNil(plain.tls)

        let acl = try RedisURL("redis://alice:p%40ss%2Fw%3Ard%25@10.0.0.5:6380/3")
        XCTAssertEqual(acl.user, "alice")
        XCTAssertEqual(acl.password, "p@ss/w:rd%", "percent-decoded")
        XCTAssertEqual(acl.host, "10.0.0.5")
        XCTAssertEqual(acl.port, 6380)
        XCTAssertEqual(acl.database, 3)

        let defaultUser = try RedisURL("redis://:pw@host/2")
        XCTAssertNil(defaultUser.user)
        XCTAssertEqual(defaultUser.password, "pw")
        XCTAssertEqual(defaultUser.database, 2)
        XCTAssertEqual(try RedisURL("redis://host?db=4").database, 4)

        let tls = try RedisURL("rediss://:pw@redis.example.com:6390/1", tls: RedisTLSOptions(caFile: "/etc/ca.pem"))
        XCTAssertEqual(tls.scheme, .rediss)
        XCTAssertEqual(tls.tls?.caFile, "/etc/ca.pem")
        XCTAssertEqual(try RedisURL("REDISS://redis.example.com").tls, RedisTLSOptions(), "rediss without settings: system trust store")

        let v6 = try RedisURL("redis://[::1]:7000")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual("\(v6)", "redis://[::1]:7000/0")

        let socket = try RedisURL("unix://:pw@/run/redis.sock?db=5")
        XCTAssertEqual(socket.path, "/run/redis.sock")
        XCTAssertEqual(socket.password, "pw")
        XCTAssertEqual(socket.database, 5)
    }

    func testThePasswordNeverShows() throws {
        let url = try RedisURL("rediss://alice:Sup3r-S3cret@redis.example.com:6390/1")
        var dumped = ""
        dump(url, to: &dumped)
        for text in ["\(url)", String(reflecting: url), dumped, "\([url])", "\(Optional(url) as Any)"] {
            XCTAssertFalse(text.contains("Sup3r-S3cret"), text)
        }
        XCTAssertEqual("\(url)", "rediss://alice:***@redis.example.com:6390/1")
        XCTAssertEqual("\(try RedisURL("redis://:pw@h"))", "redis://:***@h:6379/0")
        XCTAssertEqual("\(try RedisURL("redis://h:1/2"))", "redis://h:1/2")
    }
}
