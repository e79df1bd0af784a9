import Foundation
import GRDB
import JunctionCore
import Secrets
import SourceAccess
@testable import Store
import TestSupport
import Upstream
@testable import Worker
import XCTest

/// A source's secret goes only to the origin it was entered for: origin spelling, the
/// binding rules of registration and edits, the request builder and MCP credentials, and
/// the store (bound as associated data, legacy secrets bound at migration).
final class SecretOriginTests: XCTestCase {
    let box = SecretBox(keyring: .random())

    // MARK: - origins

    func testSameOriginOnlyForTheSameSpelledServer() {
        let same: [(String, String)] = [
            ("https://API.Example.com", "https://api.example.com:443/v1?x=1"),
            ("HTTP://h.example:80", "http://h.example/"),
            ("http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]:8080/x"),
            ("https://[2001:DB8::0:1]", "https://[2001:db8::1]:443"),
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000/spec.json"),
        ]
        for (a, b) in same {
            XCTAssertEqual(Origin(string: a), Origin(string: b), "\(a) and \(b) are one origin")
            XCTAssertNotNil(Origin(string: a))
        }
        let different: [(String, String)] = [
            ("https://api.example.com", "https://api.example.com."),          // trailing dot
            ("https://api.example.com", "http://api.example.com"),            // scheme
            ("https://api.example.com", "https://api.example.com:8443"),      // port
            ("http://127.0.0.1:8000", "http://[::ffff:127.0.0.1]:8000"),      // IPv4-mapped spelling
            ("http://127.0.0.1:8000", "http://localhost:8000"),               // another name, same address
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000@evil.example/"), // userinfo trick: the host is evil.example
            ("https://api.example.com", "https://api.example.com.evil.example"),
        ]
        for (a, b) in different {
            XCTAssertNotEqual(Origin(string: a), Origin(string: b), "\(a) and \(b) are different origins")
        }
        XCTAssertEqual(Origin(string: "http://127.0.0.1:8000@evil.example/")?.host, "evil.example")
        XCTAssertNil(Origin(string: "ftp://example.com/"))
        XCTAssertNil(Origin(string: "/relative"))
        XCTAssertEqual(Origin(string: "https://Api.Example.com/x")?.serialized, "https://api.example.com:443")
        XCTAssertEqual(Origin(string: "https://Api.Example.com/x")?.description, "https://api.example.com")
        XCTAssertEqual(Origin(string: "http://[0:0::1]:81")?.description, "http://[::1]:81")
        XCTAssertEqual(IPAddress("2001:db8:0:0:1:0:0:1")?.canonicalText, "2001:db8::1:0:0:1")
        XCTAssertEqual(IPAddress("fe80::")?.canonicalText, "fe80::")
        XCTAssertEqual(IPAddress("1:0:2:0:3:0:4:0")?.canonicalText, "1:0:2:0:3:0:4:0")
    }

    // MARK: - binding rules

    func testANewSecretIsBoundToBaseUrlOrTheConfirmedOrigin() throws {
        let api = Origin(string: "https://api.example.com")!
        XCTAssertEqual(try SecretBinding.origin(forNewSecretOf: "s", baseUrl: "https://API.example.com/v2", confirmed: nil), api)
        XCTAssertEqual(try SecretBinding.origin(forNewSecretOf: "s", baseUrl: nil, confirmed: api), api)
        XCTAssertEqual(try SecretBinding.origin(forNewSecretOf: "s", baseUrl: "https://api.example.com/v2", confirmed: api), api)
        assertCode("secret_origin_required") { _ = try SecretBinding.origin(forNewSecretOf: "s", baseUrl: nil, confirmed: nil) }
        assertCode("secret_origin_conflict") {
            _ = try SecretBinding.origin(forNewSecretOf: "s", baseUrl: "https://other.example", confirmed: api)
        }
    }

    func testAKeptSecretNeverMovesToAnotherOrigin() throws {
        let api = Origin(string: "https://api.example.com")!
        try SecretBinding.checkKept(slug: "s", bound: api, baseUrl: "https://api.example.com/v3", confirmed: nil)
        try SecretBinding.checkKept(slug: "s", bound: api, baseUrl: "https://API.EXAMPLE.COM:443", confirmed: api)
        try SecretBinding.checkKept(slug: "s", bound: api, baseUrl: nil, confirmed: nil)
        for moved in ["https://evil.example", "https://api.example.com:444", "http://api.example.com", "https://api.example.com."] {
            assertCode("secret_origin_changed") { try SecretBinding.checkKept(slug: "s", bound: api, baseUrl: moved, confirmed: nil) }
            assertCode("secret_origin_changed") {
                try SecretBinding.checkKept(slug: "s", bound: api, baseUrl: nil, confirmed: Origin(string: moved)!)
            }
        }
        try SecretBinding.checkKept(slug: "s", bound: nil, baseUrl: nil, confirmed: nil)
        assertCode("secret_required") { try SecretBinding.checkKept(slug: "s", bound: nil, baseUrl: "https://api.example.com", confirmed: nil) }
        assertCode("secret_required") { try SecretBinding.checkKept(slug: "s", bound: nil, baseUrl: nil, confirmed: api) }
    }

    // MARK: - where credentials are attached

    func testTheRequestBuilderRefusesToSendACredentialToAnotherOrigin() throws {
        let api = Origin(string: "https://api.example.com")!
        let details: JSONValue = ["method": "GET", "path": "/me"]
        for type in [SourceAuthType.bearer, .header, .query, .basic] {
            let credential = Credential(type: type, name: type == .header ? "X-Key" : "key", secret: "u:S3CRET", origin: api)
            // The spec's servers elsewhere (no baseUrl): refused before any request exists.
            for elsewhere in ["https://evil.example", "https://api.example.com.", "https://api.example.com:8443", "http://api.example.com"] {
                do {
                    _ = try OpenAPIRequestBuilder(callName: "s_me", details: details, baseURL: elsewhere).build(args: .null, credential: credential)
                    XCTFail("\(type) credential built for \(elsewhere)")
                } catch let error as any CodedError {
                    XCTAssertEqual(error.code, "secret_origin_mismatch", "\(type) \(elsewhere)")
                    XCTAssertFalse(error.message.contains("S3CRET"))
                }
            }
            let same = try OpenAPIRequestBuilder(callName: "s_me", details: details, baseURL: "https://API.example.com:443/v1")
                .build(args: .null, credential: credential)
            XCTAssertTrue(same.url.absoluteString.contains("S3CRET") || same.headers.contains { $0.1.contains("S3CRET") || $0.1.hasPrefix("Basic ") })
        }
        // Without a credential, the spec's servers are called as before.
        XCTAssertNoThrow(try OpenAPIRequestBuilder(callName: "s_me", details: details, baseURL: "https://evil.example").build(args: .null, credential: nil))
    }

    func testMCPCredentialsGoOnlyToTheBoundOrigin() throws {
        let mcp = URL(string: "https://mcp.example/mcp")!
        let credentials = MCPCredentials(headers: [("Authorization", "Bearer T")], for: mcp)
        XCTAssertEqual(credentials.headers(for: URL(string: "https://MCP.example:443/messages?s=1")!).map(\.1), ["Bearer T"])
        for other in ["https://mcp.example.:443/mcp", "http://mcp.example/mcp", "https://evil.example/mcp", "https://mcp.example:444/mcp"] {
            XCTAssertTrue(credentials.headers(for: URL(string: other)!).isEmpty, other)
        }
        XCTAssertTrue(MCPCredentials(headers: [("A", "b")], origin: nil).headers(for: mcp).isEmpty)

        // A source whose bound origin differs from its URL (a tampered row) gets no client.
        let connector = MCPSourceConnector(http: StreamingUpstream(client: UpstreamHTTP.processClient, policy: OutboundPolicy()))
        var source = Source(id: "i", owner: "o", slug: "m", type: .mcp, name: "m", baseUrl: "https://mcp.example/mcp", specUrl: nil,
                            authType: .bearer, authHeaderName: nil, secretSealed: "v1.k1.x", enabled: true, status: .ready,
                            entryCount: 0, lastRefreshAt: nil, lastError: nil, createdAt: Date(), updatedAt: Date(),
                            secretOrigin: "https://evil.example:443")
        assertCode("secret_origin_mismatch") { _ = try connector.client(for: source, secret: "T", remembered: nil) }
        source.secretOrigin = nil
        assertCode("source_needs_secret") { _ = try connector.client(for: source, secret: "T", remembered: nil) }
        source.secretOrigin = "https://mcp.example:443"
        XCTAssertNoThrow(try connector.client(for: source, secret: "T", remembered: nil))
    }

    // MARK: - store

    func testAChangedOriginInTheDatabaseDoesNotOpenTheSecret() throws {
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("j.sqlite").path)
        let user = try db.userCreatingIfNeeded(email: "o@example.com")
        let source = try db.createSource(owner: user.id, draft: SourceDraft(slug: "gh", type: .openapi, name: "gh", baseUrl: "https://api.example.com/v1",
                                                                           specUrl: "https://api.example.com/spec", authType: .bearer, secret: "S3CRET"), box: box)
        XCTAssertEqual(source.secretOrigin, "https://api.example.com:443")
        XCTAssertEqual(try db.sourceSecret(source, box: box), "S3CRET")
        for swapped in ["https://evil.example:443", "https://api.example.com:444", "http://api.example.com:443"] {
            try db.writer.write { try $0.execute(sql: "UPDATE sources SET secretOrigin = ?, baseUrl = ?", arguments: [swapped, swapped]) }
            let moved = try db.source(owner: user.id, id: source.id)!
            assertCode("crypto_error", "a secret whose origin was changed to \(swapped) does not open") { _ = try db.sourceSecret(moved, box: box) }
        }
        try db.writer.write { try $0.execute(sql: "UPDATE sources SET secretOrigin = NULL") }
        let unbound = try db.source(owner: user.id, id: source.id)!
        assertCode("source_needs_secret") { _ = try db.sourceSecret(unbound, box: box) }
        XCTAssertEqual(unbound.displayStatus, "needs_secret")
    }

    func testEditsMoveTheSecretOnlyWithANewOne() throws {
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("j.sqlite").path)
        let user = try db.userCreatingIfNeeded(email: "o@example.com")
        _ = try db.createSource(owner: user.id, draft: SourceDraft(slug: "api", type: .openapi, name: "api", baseUrl: "https://api.example.com",
                                                                  specUrl: "https://api.example.com/spec", authType: .header,
                                                                  authHeaderName: "X-Key", secret: "OLD"), box: box)
        var move = SourceChanges()
        move.baseUrl = .some("https://evil.example")
        assertCode("secret_origin_changed") { _ = try db.updateSource(owner: user.id, slug: "api", changes: move, box: box) }
        var after = try db.source(owner: user.id, slug: "api")!
        XCTAssertEqual(after.baseUrl, "https://api.example.com", "a refused edit changes nothing")
        XCTAssertEqual(try db.sourceSecret(after, box: box), "OLD")

        var path = SourceChanges()
        path.baseUrl = .some("https://api.example.com/v2")
        after = try db.updateSource(owner: user.id, slug: "api", changes: path, box: box)!
        XCTAssertEqual(try db.sourceSecret(after, box: box), "OLD", "another path on the same origin keeps the secret")

        move.secret = .some("NEW")
        after = try db.updateSource(owner: user.id, slug: "api", changes: move, box: box)!
        XCTAssertEqual(after.secretOrigin, "https://evil.example:443")
        XCTAssertEqual(try db.sourceSecret(after, box: box), "NEW", "a secret entered with the move is bound to the new origin")

        var none = SourceChanges()
        none.authType = SourceAuthType.none
        none.secret = .some(nil)
        after = try db.updateSource(owner: user.id, slug: "api", changes: none, box: box)!
        XCTAssertNil(after.secretSealed)
        XCTAssertNil(after.secretOrigin)
    }

    func testSecretsStoredBeforeOriginsAreBoundAtMigration() throws {
        let path = TestEnvironment.temporaryDirectory().appendingPathComponent("legacy.sqlite").path
        let pool = try DatabasePool(path: path)
        try SQLiteStore.migrator.migrate(pool, upTo: "auth-epoch")
        let now = Date()
        try pool.write { db in
            try db.execute(sql: "INSERT INTO users(id, email, isAdmin, disabled, createdAt) VALUES ('u', 'u@example.com', 1, 0, ?)", arguments: [now])
            for (id, base) in [("with-base", "https://API.example.com/v1" as String?), ("no-base", nil), ("mcp", "https://mcp.example/mcp")] {
                let sealed = try box.seal("secret-\(id)", context: SecretBox.sourceContext(owner: "u", sourceID: id))
                try db.execute(sql: """
                    INSERT INTO sources(id, owner, slug, type, name, baseUrl, specUrl, authType, secretSealed, status, createdAt, updatedAt)
                    VALUES (?, 'u', ?, ?, ?, ?, 'https://specs.example/s.json', 'bearer', ?, 'ready', ?, ?)
                    """, arguments: [id, id.replacingOccurrences(of: "-", with: "_"), id == "mcp" ? "mcp" : "openapi", id, base, sealed, now, now])
            }
        }
        try pool.close()

        let db = try SQLiteStore(path: path)
        let withBase = try db.source(owner: "u", id: "with-base")!
        XCTAssertEqual(withBase.secretOrigin, "https://api.example.com:443", "bound to the origin it was used with")
        XCTAssertEqual(try db.source(owner: "u", id: "mcp")!.secretOrigin, "https://mcp.example:443")
        let noBase = try db.source(owner: "u", id: "no-base")!
        XCTAssertNil(noBase.secretOrigin, "the spec's servers were never confirmed")
        XCTAssertEqual(noBase.displayStatus, "needs_secret")
        assertCode("source_needs_secret") { _ = try db.sourceSecret(noBase, box: box) }

        // Start-up seals the bound ones again with their origin as associated data.
        XCTAssertEqual(try db.bindLegacySourceSecrets(box: box), 2)
        XCTAssertEqual(try db.bindLegacySourceSecrets(box: box), 0, "idempotent")
        let rebound = try db.source(owner: "u", id: "with-base")!
        XCTAssertNotEqual(rebound.secretSealed, withBase.secretSealed)
        XCTAssertEqual(try db.sourceSecret(rebound, box: box), "secret-with-base")
        XCTAssertEqual(try box.open(rebound.secretSealed!, context: SQLiteStore.sourceSecretContext(owner: "u", sourceID: "with-base",
                                                                                                    origin: Origin(string: "https://api.example.com")!)),
                       "secret-with-base")
        try db.writer.write { try $0.execute(sql: "UPDATE sources SET secretOrigin = 'https://evil.example:443' WHERE id = 'with-base'") }
        assertCode("crypto_error") { _ = try db.sourceSecret(try db.source(owner: "u", id: "with-base")!, box: box) }
    }

    private func assertCode(_ code: String, _ message: String = "", _ body: () throws -> Void, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected \(code) \(message)", line: line)
        } catch let error as any CodedError {
            XCTAssertEqual(error.code, code, "\(message) \(error)", line: line)
        } catch {
            XCTFail("expected \(code), got \(error)", line: line)
        }
    }
}
