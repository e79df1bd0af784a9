import AsyncHTTPClient
import Config
import Configuration
import Foundation
@testable import Frontend
import JunctionCore
import Logging
import Store
import TestSupport
import Upstream
import XCTest

/// Client ID Metadata Document URLs go through the outbound SSRF policy: without
/// JUNCTION_ALLOW_LOOPBACK_HTTP, loopback and private addresses are refused before any connection.
final class AuthClientRegistryTests: XCTestCase {
    func testMetadataURLsOnLoopbackOrPrivateAddressesAreRefusedInProduction() async throws {
        let client = UpstreamHTTP.makeClient()
        let db = try AppDatabase(path: TestEnvironment.temporaryDirectory().appendingPathComponent("cimd.sqlite").path)
        let registry = ClientRegistry(database: db, http: UpstreamHTTP(client: client, policy: OutboundPolicy(allowLoopbackHTTP: false)),
                                      config: try AuthConfiguration(reader: ConfigReader(environment: [:])), issuer: "https://junction.example",
                                      logger: Logger(label: "test"))
        let cases = ["http://127.0.0.1:8080/client.json", "https://127.0.0.1/client.json", "https://localhost/client.json",
                     "https://10.0.0.7/client.json", "https://169.254.169.254/latest/client.json", "https://[::1]/client.json"]
        for url in cases {
            do {
                _ = try await registry.resolve(url)
                XCTFail("\(url) must be refused")
            } catch {
                XCTAssertEqual(error.code, "invalid_client", url)
            }
        }
        do { _ = try await registry.resolve("https://client.example/") ; XCTFail("root path") } catch {
            XCTAssertEqual(error.code, "invalid_client")
        }
        XCTAssertNil(try db.oauthClient(id: "https://127.0.0.1/client.json"), "nothing is cached for a refused URL")
        try await client.shutdown()
    }

    func testDynamicRegistrationIssuesAPublicClientAndReadsBack() async throws {
        let client = UpstreamHTTP.makeClient()
        let db = try AppDatabase(path: TestEnvironment.temporaryDirectory().appendingPathComponent("dcr.sqlite").path)
        let registry = ClientRegistry(database: db, http: UpstreamHTTP(client: client, policy: OutboundPolicy()),
                                      config: try AuthConfiguration(reader: ConfigReader(environment: [:])), issuer: "https://junction.example",
                                      logger: Logger(label: "test"))
        let answer = try registry.register(["client_name": "CLI", "redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "client_secret_basic"])
        let id = try XCTUnwrap(answer["client_id"]?.stringValue)
        XCTAssertEqual(answer["token_endpoint_auth_method"]?.stringValue, "none")
        XCTAssertNil(answer["client_secret"])
        XCTAssertEqual(answer["registration_client_uri"]?.stringValue, "https://junction.example/oauth/register/\(id)")
        let token = try XCTUnwrap(answer["registration_access_token"]?.stringValue)
        XCTAssertEqual(try registry.read(id: id, registrationToken: token)["client_id"]?.stringValue, id)
        XCTAssertThrowsError(try registry.read(id: id, registrationToken: "wrong"))
        let stored = try XCTUnwrap(try db.oauthClient(id: id))
        XCTAssertNotEqual(stored.registrationTokenHash, token, "the registration token is stored hashed")
        try await client.shutdown()
    }
}
