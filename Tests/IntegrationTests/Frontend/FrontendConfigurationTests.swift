import Config
import Configuration
import Foundation
@testable import Frontend
import XCTest

/// `FrontendConfiguration` (with `AuthConfiguration`): defaults, parsing, floors and
/// ceilings, and errors naming the variable.
final class FrontendConfigurationTests: XCTestCase {
    static let masterKey = Data(repeating: 3, count: 32).base64EncodedString()

    private func frontend(_ environment: [String: String]) throws -> FrontendConfiguration {
        try FrontendConfiguration(reader: ConfigReader(environment: environment.merging(["JUNCTION_MASTER_KEY": Self.masterKey]) { $1 }))
    }

    func testDefaults() throws {
        let config = try frontend([:])
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 8080)
        XCTAssertEqual(config.publicURL, "http://127.0.0.1:8080")
        XCTAssertEqual(config.allowedOrigins, [])
        XCTAssertEqual(config.maxBodyBytes, 1_048_576)
        XCTAssertEqual(config.executeTimeout, .milliseconds(30_000))
        XCTAssertEqual(config.queueWait, .milliseconds(15_000))
        XCTAssertEqual(config.maxCodeBytes, 100_000)
        XCTAssertEqual(config.maxRunsPerUser, 4)
        XCTAssertEqual(config.rateLimitPerSecond, 20)
        XCTAssertEqual(config.rateLimitBurst, 100)
        XCTAssertEqual(config.sseKeepAlive, .milliseconds(15_000))
        XCTAssertEqual(config.authCache, .milliseconds(60_000))
        XCTAssertFalse(config.auth.oidcEnabled)
        XCTAssertEqual(config.auth.oidcScopes, "openid email profile")
        XCTAssertEqual(config.auth.accessTokenTTL, 3600)
        XCTAssertEqual(config.auth.refreshTokenTTL, 2_592_000)
        XCTAssertEqual(config.auth.clientMetadataTTL, 300)
        XCTAssertEqual(config.auth.clientMetadataCacheMax, 1000)
        XCTAssertEqual(config.auth.unusedClientTTL, 86_400)
        XCTAssertEqual(config.auth.maxUnusedClients, 10_000)
        XCTAssertTrue(config.auth.requireEmailVerified)
        XCTAssertEqual(config.auth.throttles[.signInPerIP], ThrottleLimit(count: 20, windowMs: 60_000))
    }

    func testValuesAreParsedAndClamped() throws {
        let config = try frontend([
            "JUNCTION_HOST": "0.0.0.0", "JUNCTION_PORT": "9090", "JUNCTION_ALLOWED_ORIGINS": "https://A.example, https://b.example",
            "JUNCTION_EXECUTE_TIMEOUT_MS": "5", "JUNCTION_MAX_RUNS_PER_USER": "0", "JUNCTION_RATE_LIMIT_PER_SECOND": "0.5",
            "JUNCTION_SSE_KEEPALIVE_MS": "1", "JUNCTION_AUTH_CACHE_MS": "9999999",
            "JUNCTION_ALLOWED_EMAILS": "Ann@Example.com", "JUNCTION_ALLOWED_DOMAINS": "@Corp.example, other.example",
            "JUNCTION_OIDC_REQUIRE_EMAIL_VERIFIED": "false", "JUNCTION_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
        ])
        XCTAssertEqual(config.publicURL, "http://0.0.0.0:9090")
        XCTAssertEqual(config.allowedOrigins, ["https://a.example", "https://b.example"])
        XCTAssertEqual(config.executeTimeout, .milliseconds(100))
        XCTAssertEqual(config.maxRunsPerUser, 1)
        XCTAssertEqual(config.rateLimitPerSecond, 0.5)
        XCTAssertEqual(config.sseKeepAlive, .milliseconds(50))
        XCTAssertEqual(config.authCache, .milliseconds(600_000))
        XCTAssertEqual(config.auth.allowedEmails, ["ann@example.com"])
        XCTAssertEqual(config.auth.allowedDomains, ["corp.example", "other.example"])
        XCTAssertFalse(config.auth.requireEmailVerified)
        XCTAssertEqual(config.auth.trustedProxies.count, 2)
        XCTAssertEqual(try frontend(["JUNCTION_PUBLIC_URL": "https://junction.example"]).publicURL, "https://junction.example")
    }

    func testBadValuesStopStartUpNamingTheVariable() {
        let cases = [
            "JUNCTION_PORT": "eighty", "JUNCTION_MAX_BODY_BYTES": "-1", "JUNCTION_RATE_LIMIT_PER_SECOND": "20/s",
            "JUNCTION_OAUTH_ACCESS_TOKEN_TTL": "1h", "JUNCTION_TRUSTED_PROXIES": "proxy.example",
        ]
        for (variable, value) in cases {
            XCTAssertThrowsError(try frontend([variable: value]), variable) { error in
                XCTAssertEqual((error as? ConfigurationError)?.variable, variable)
                XCTAssertTrue("\(error)".contains(variable), "\(error)")
            }
        }
        XCTAssertThrowsError(try frontend(["JUNCTION_THROTTLE_TOKEN_IP": "lots"])) {
            XCTAssertTrue("\($0)".contains("JUNCTION_THROTTLE_TOKEN_IP"), "\($0)")
        }
    }
}
