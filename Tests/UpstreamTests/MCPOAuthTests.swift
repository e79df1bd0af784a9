import Foundation
import JunctionCore
import Upstream
import XCTest

/// Junction's OAuth client for upstream MCP servers: PKCE, challenges, discovery URLs,
/// registration choice, token responses and grants. The frontend's sign-in flow (issuer
/// check, single-use state) is UpstreamOAuthFlowTests; the cross-process lock RedisLockTests.
final class MCPOAuthTests: XCTestCase {
    // MARK: PKCE

    func testPKCEMatchesRFC7636AppendixB() {
        XCTAssertEqual(UpstreamPKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        XCTAssertEqual(UpstreamPKCE.method, "S256")
    }

    func testGeneratedPKCEIsWellFormedAndFresh() {
        let a = UpstreamPKCE.generate(), b = UpstreamPKCE.generate()
        XCTAssertEqual(a.verifier.count, 43)
        XCTAssertTrue(a.verifier.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        XCTAssertEqual(a.challenge, UpstreamPKCE.challenge(for: a.verifier))
        XCTAssertNotEqual(a.verifier, b.verifier)
    }

    // MARK: WWW-Authenticate

    func testBearerChallengeWithResourceMetadataAndScope() {
        let c = BearerChallenge(header: #"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="files:read files:write""#)
        XCTAssertEqual(c?.resourceMetadata?.absoluteString, "https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        XCTAssertEqual(c?.scope, "files:read files:write")
    }

    func testBearerChallengeAmongOthersAndEscapes() {
        let c = BearerChallenge(header: #"Basic realm="x", Bearer error="invalid_token", error_description="the \"token\" expired", scope=a"#)
        XCTAssertEqual(c?.error, "invalid_token")
        XCTAssertEqual(c?.parameters["error_description"], #"the "token" expired"#)
        XCTAssertEqual(c?.scope, "a")
        XCTAssertNil(c?.resourceMetadata)
        // Parameters of a later challenge do not leak into the Bearer one.
        let d = BearerChallenge(header: #"Bearer realm="r", DPoP scope="other""#)
        XCTAssertNil(d?.scope)
        XCTAssertNil(BearerChallenge(header: #"Basic realm="only basic""#))
        XCTAssertNotNil(BearerChallenge(header: "Bearer"))
    }

    // MARK: discovery URLs

    func testProtectedResourceMetadataURLs() {
        let mcp = URL(string: "https://example.com/public/mcp")!
        XCTAssertEqual(UpstreamOAuthURLs.protectedResourceMetadata(for: mcp).map(\.absoluteString), [
            "https://example.com/.well-known/oauth-protected-resource/public/mcp",
            "https://example.com/.well-known/oauth-protected-resource",
        ])
        let hinted = URL(string: "https://example.com/prm.json")!
        XCTAssertEqual(UpstreamOAuthURLs.protectedResourceMetadata(for: URL(string: "http://127.0.0.1:8000/")!, hinted: hinted).map(\.absoluteString), [
            "https://example.com/prm.json", "http://127.0.0.1:8000/.well-known/oauth-protected-resource",
        ])
    }

    func testAuthorizationServerMetadataURLs() {
        XCTAssertEqual(UpstreamOAuthURLs.authorizationServerMetadata(issuer: URL(string: "https://auth.example.com/tenant1")!).map(\.absoluteString), [
            "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
            "https://auth.example.com/.well-known/openid-configuration/tenant1",
            "https://auth.example.com/tenant1/.well-known/openid-configuration",
        ])
        // FastMCP's issuer ends with "/": no path, so the plain forms.
        XCTAssertEqual(UpstreamOAuthURLs.authorizationServerMetadata(issuer: URL(string: "http://127.0.0.1:9000/")!).map(\.absoluteString), [
            "http://127.0.0.1:9000/.well-known/oauth-authorization-server",
            "http://127.0.0.1:9000/.well-known/openid-configuration",
        ])
    }

    func testResourceCoverageAndCanonicalForm() {
        let mcp = URL(string: "https://Example.com/mcp/")!
        XCTAssertEqual(UpstreamOAuthURLs.canonicalResource(mcp), "https://example.com/mcp")
        XCTAssertTrue(UpstreamOAuthURLs.resource("https://example.com/mcp", covers: mcp))
        XCTAssertTrue(UpstreamOAuthURLs.resource("https://example.com", covers: mcp))
        XCTAssertFalse(UpstreamOAuthURLs.resource("https://example.com/other", covers: mcp))
        XCTAssertFalse(UpstreamOAuthURLs.resource("https://example.com/mc", covers: mcp))
        XCTAssertFalse(UpstreamOAuthURLs.resource("https://evil.example/mcp", covers: mcp))
        XCTAssertTrue(UpstreamOAuthURLs.sameIssuer("http://127.0.0.1:9000/", "http://127.0.0.1:9000"))
        XCTAssertFalse(UpstreamOAuthURLs.sameIssuer("https://a.example", "https://b.example"))
    }

    func testAuthorizationURLKeepsEndpointQueryAndEncodes() throws {
        let url = try UpstreamOAuthURLs.authorizationURL(endpoint: "https://as.example/authorize?tenant=t1", parameters: [
            ("response_type", "code"), ("scope", "a b+c"), ("resource", "https://mcp.example/mcp"),
        ])
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)!.queryItems!
        XCTAssertEqual(items.first { $0.name == "tenant" }?.value, "t1")
        XCTAssertEqual(items.first { $0.name == "scope" }?.value, "a b+c")
        XCTAssertTrue(url.absoluteString.contains("%2B"), url.absoluteString)
        XCTAssertEqual(items.first { $0.name == "resource" }?.value, "https://mcp.example/mcp")
    }

    // MARK: registration choice (Client ID Metadata Documents vs RFC 7591)

    private func metadata(_ json: String) throws -> AuthorizationServerMetadata {
        try AuthorizationServerMetadata(json: try JSONValue.parse(json))
    }

    func testCIMDPreferredWhenAdvertised() throws {
        let m = try metadata("""
            {"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t",
             "registration_endpoint":"https://as.example/r","code_challenge_methods_supported":["S256"],
             "client_id_metadata_document_supported":true,"authorization_response_iss_parameter_supported":true}
            """)
        XCTAssertTrue(m.issParameterSupported)
        let docURL = UpstreamOAuthRegistration.clientMetadataURL(publicURL: "https://junction.example/", allowInsecure: false)
        XCTAssertEqual(docURL, "https://junction.example/upstream-oauth/client-metadata.json")
        XCTAssertEqual(UpstreamOAuthRegistration.choose(m, clientMetadataURL: docURL), .metadataDocument(clientID: docURL!))
        // Junction on plain http (production) cannot be a CIMD client: dynamic registration instead.
        XCTAssertNil(UpstreamOAuthRegistration.clientMetadataURL(publicURL: "http://junction.example", allowInsecure: false))
        XCTAssertEqual(UpstreamOAuthRegistration.choose(m, clientMetadataURL: nil), .dynamic(endpoint: "https://as.example/r"))
    }

    func testDynamicRegistrationWhenCIMDNotAdvertisedAndErrorWhenNeither() throws {
        let dcr = try metadata("""
            {"issuer":"http://127.0.0.1:1/","authorization_endpoint":"http://127.0.0.1:1/authorize","token_endpoint":"http://127.0.0.1:1/token",
             "registration_endpoint":"http://127.0.0.1:1/register","code_challenge_methods_supported":["S256"]}
            """)
        XCTAssertEqual(UpstreamOAuthRegistration.choose(dcr, clientMetadataURL: "https://j.example/upstream-oauth/client-metadata.json"),
                       .dynamic(endpoint: "http://127.0.0.1:1/register"))
        let neither = try metadata(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t"}"#)
        guard case .unsupported(let message) = UpstreamOAuthRegistration.choose(neither, clientMetadataURL: nil) else { return XCTFail("expected unsupported") }
        XCTAssertTrue(message.contains("neither"), message)
        let onlyCIMD = try metadata(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","client_id_metadata_document_supported":true}"#)
        guard case .unsupported(let m2) = UpstreamOAuthRegistration.choose(onlyCIMD, clientMetadataURL: nil) else { return XCTFail("expected unsupported") }
        XCTAssertTrue(m2.contains("JUNCTION_PUBLIC_URL"), m2)
        XCTAssertThrowsError(try metadata(#"{"issuer":"https://as.example"}"#))
    }

    func testMetadataDocumentAndRegistrationRequestArePublicPKCEClients() throws {
        let doc = UpstreamOAuthRegistration.metadataDocument(clientID: "https://j.example/upstream-oauth/client-metadata.json",
                                                             redirectURI: "https://j.example/upstream-oauth/callback", clientURI: "https://j.example")
        XCTAssertEqual(doc["client_id"]?.stringValue, "https://j.example/upstream-oauth/client-metadata.json")
        XCTAssertEqual(doc["redirect_uris"]?.arrayValue?.first?.stringValue, "https://j.example/upstream-oauth/callback")
        XCTAssertEqual(doc["token_endpoint_auth_method"]?.stringValue, "none")
        let reg = try UpstreamOAuthRegistration.parseRegistration(try JSONValue.parse(#"{"client_id":"abc","client_secret":"s3"}"#))
        XCTAssertEqual(reg, UpstreamOAuthClient(kind: "dynamic", clientID: "abc", clientSecret: "s3", authMethod: "client_secret_basic"))
        XCTAssertThrowsError(try UpstreamOAuthRegistration.parseRegistration(try JSONValue.parse(#"{"error":"invalid_client_metadata"}"#)))
    }

    // MARK: token responses and grants

    func testTokenResponses() throws {
        let ok = try UpstreamOAuthTokenClient.parse(status: 200, body: Data(#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r","scope":"x"}"#.utf8))
        XCTAssertEqual(ok, UpstreamOAuthTokens(accessToken: "a", refreshToken: "r", expiresIn: 3600, scope: "x"))
        XCTAssertThrowsError(try UpstreamOAuthTokenClient.parse(status: 400, body: Data(#"{"error":"invalid_grant","error_description":"refresh token expired"}"#.utf8))) { error in
            let failure = error as? UpstreamOAuthTokenFailure
            XCTAssertEqual(failure?.error, "invalid_grant")
            XCTAssertEqual(failure?.isPermanent, true)
        }
        XCTAssertThrowsError(try UpstreamOAuthTokenClient.parse(status: 503, body: Data("busy".utf8))) { error in
            XCTAssertEqual((error as? UpstreamOAuthTokenFailure)?.isPermanent, false)
        }
        XCTAssertThrowsError(try UpstreamOAuthTokenClient.parse(status: 200, body: Data(#"{"access_token":"a","token_type":"mac"}"#.utf8)))
    }

    func testGrantKeepsRefreshTokenWhenNotRotatedAndKnowsExpiry() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var grant = UpstreamOAuthGrant(issuer: "i", tokenEndpoint: "t", resource: "r", scope: nil, client: UpstreamOAuthClient(kind: "dynamic", clientID: "c"),
                                       tokens: UpstreamOAuthTokens(accessToken: "a1", refreshToken: "r1", expiresIn: 100), now: now)
        XCTAssertFalse(grant.expires(within: 60, now: now))
        XCTAssertTrue(grant.expires(within: 60, now: now.addingTimeInterval(50)))
        grant.apply(UpstreamOAuthTokens(accessToken: "a2", expiresIn: 100), now: now)
        XCTAssertEqual(grant.refreshToken, "r1")
        grant.apply(UpstreamOAuthTokens(accessToken: "a3", refreshToken: "r2"), now: now)
        XCTAssertEqual(grant.refreshToken, "r2")
        XCTAssertNil(grant.expiresAt)
        XCTAssertFalse(grant.expires(within: 60, now: now))
    }
}
