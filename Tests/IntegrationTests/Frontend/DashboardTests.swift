import Catalog
import Foundation
@testable import Frontend
import HTTPTypes
import HummingbirdCore
import JunctionCore
import Stdio
@testable import Store
import XCTest

/// The dashboard's escaping, headers and query parsing, without a server.
final class DashboardTests: XCTestCase {
    func testTimesAreISO8601ForMachinesAndUTCForPeople() {
        let date = Date(timeIntervalSince1970: 1_777_777_777)
        XCTAssertEqual(date.iso8601, "2026-05-03T03:09:37Z")
        XCTAssertEqual(date.humanUTC, "2026-05-03 03:09:37 UTC")
        XCTAssertEqual("\(Layout.time(date))", "<time datetime=\"2026-05-03T03:09:37Z\">2026-05-03 03:09:37 UTC</time>")
    }

    func testEscapeCoversTextAndBothAttributeQuotes() {
        XCTAssertEqual(HTML.escape(#"<a href="x" title='y'>&</a>"#), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        XCTAssertEqual(HTML.escape("plain ünïcode ⧉"), "plain ünïcode ⧉")
        XCTAssertEqual(Layout.escape("<b>"), "&lt;b&gt;", "the sign-in pages and the dashboard share one helper")
    }

    func testInterpolatedStringsAreEscapedAndHTMLIsNot() {
        let name = "<script>alert(1)</script>"
        let fragment: HTML = "<p title=\"\(name)\">\(name)</p>"
        XCTAssertEqual(fragment.text, "<p title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;script&gt;alert(1)&lt;/script&gt;</p>")
        let inner: HTML = "<b>\(name)</b>"
        let outer: HTML = "<div>\(inner)</div>"
        XCTAssertEqual(outer.text, "<div><b>&lt;script&gt;alert(1)&lt;/script&gt;</b></div>", "HTML is inserted once, not escaped twice")
        let optional: String? = nil
        XCTAssertEqual(HTML("<i>\(optional)</i>").text, "<i></i>")
    }

    func testSourceRowEscapesEveryUserStringAndNeverCarriesTheSecret() throws {
        let hostile = "\"><img src=x onerror=alert(1)>"
        let source = Source(id: "id1", owner: "u", slug: "hb", type: .openapi, name: hostile, baseUrl: "https://x.example/\(hostile)",
                            specUrl: "https://x.example/spec", authType: .bearer, authHeaderName: nil, secretSealed: "v1.k1.SEALED",
                            enabled: true, status: .error, entryCount: 0, lastRefreshAt: nil, lastError: hostile,
                            createdAt: Date(), updatedAt: Date())
        let html = SourcesPage.row(source).text
        XCTAssertFalse(html.contains("<img"), html)
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        XCTAssertFalse(html.contains("SEALED"), "not even the sealed secret reaches the page")
        XCTAssertTrue(html.contains("&quot;hasSecret&quot;:true"))
    }

    func testTheRegisterFormOffersTheOperatorsStdioServersAndEachOnesSecrets() {
        XCTAssertEqual(SourcesPage.stdioFields(StdioServerList()).text, "", "no stdio choice without declared servers")
        let servers = StdioServerList(servers: [
            StdioServerDeclaration(name: "time", command: "/x/time"),
            StdioServerDeclaration(name: "gh", command: "/x/gh", secrets: ["GITHUB_TOKEN"], network: true),
        ])
        let html = SourcesPage.stdioFields(servers).text
        XCTAssertTrue(html.contains("<option value=\"time\">time</option>"), html)
        XCTAssertTrue(html.contains("<option value=\"gh\">gh (network)</option>"), html)
        XCTAssertTrue(html.contains("data-for-server=\"gh\""), html)
        XCTAssertTrue(html.contains("data-secret-name=\"GITHUB_TOKEN\" type=\"password\""), html)
        XCTAssertFalse(html.contains("/x/gh"), "commands stay on the server")
        let source = Source(id: "id1", owner: "u", slug: "notes", type: .stdio, name: "Notes", baseUrl: nil, specUrl: nil, authType: .none,
                            authHeaderName: nil, secretSealed: "v1.k1.SEALED", enabled: true, status: .ready, entryCount: 6,
                            lastRefreshAt: nil, lastError: nil, createdAt: Date(), updatedAt: Date(), stdioServer: "sqlite")
        let row = SourcesPage.row(source).text
        XCTAssertTrue(row.contains("stdio<span class=\"slug\">server: sqlite</span>"), row)
        XCTAssertFalse(row.contains("SEALED"))
    }

    func testCatalogHitAndExecutionPrettyPrinting() {
        let hit = CatalogHit(callName: "a_b", source: "a", kind: "operation", title: "<t>", description: "<d>", method: "get",
                             path: "/x/{id}", signature: "a_b(input: { id: string }): Promise<{ status: number }>")
        let html = CatalogPage.hit(hit).text
        XCTAssertTrue(html.contains("Promise&lt;{ status: number }&gt;"))
        XCTAssertTrue(html.contains(">GET<"))
        XCTAssertEqual(ExecutionsPage.pretty(#"{"b":[1,{"c":null}],"a":"x"}"#), "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {\n      \"c\": null\n    }\n  ]\n}")
        XCTAssertEqual(ExecutionsPage.pretty("not json {"), "not json {")
    }

    func testPagesCarryAStrictContentSecurityPolicy() {
        let csp = SecurityHeadersMiddleware<FrontendContext>.pagePolicy
        for part in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"] {
            XCTAssertTrue(csp.contains(part), part)
        }
        XCTAssertFalse(csp.contains("unsafe-inline"))
        var headers = Layout.htmlHeaders()
        SecurityHeadersMiddleware<FrontendContext>.apply(to: &headers)
        XCTAssertEqual(headers[.contentSecurityPolicy], csp)
        XCTAssertEqual(headers[.cacheControl], "no-store")
        XCTAssertTrue(headers.contains { $0.name.canonicalName == "x-frame-options" && $0.value == "DENY" })
        XCTAssertFalse(Assets.js.contains("innerHTML = data"), "the script inserts only the server's escaped fragment")
        XCTAssertFalse(Assets.css.contains("@import"), "no external stylesheets")
        XCTAssertTrue(Assets.path("app.css").hasPrefix("/assets/app.css?v="))
    }

    func testSignInRedirectKeepsTheRequestedPathOnly() {
        let response = Layout.signInRedirect(next: "/catalog?q=a b&source=x")
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers[.location], "/login?next=/catalog%3Fq%3Da%20b%26source%3Dx")
    }

    func testCatalogQueryParametersAreValidatedLikeCodemodeCatalog() throws {
        func parse(_ query: String) throws -> CatalogQuery {
            try CatalogAPI.query(FormCoding.decode(query))
        }
        XCTAssertEqual(try parse("q=pets&source=x&limit=5"), CatalogQuery(text: "pets", source: "x", limit: 5))
        XCTAssertEqual(try parse(""), CatalogQuery(text: ""))
        XCTAssertEqual(try parse("q=a&match=all").matchAll, true)
        for bad in ["limit=0", "limit=51", "limit=x", "type=soap", "kind=x", "match=some"] {
            XCTAssertThrowsError(try parse(bad), bad) { XCTAssertEqual(($0 as? JunctionError)?.status, 400, bad) }
        }
    }

    func testOpenAPIDocumentIsValidJSONWithEveryRoute() throws {
        let doc = try JSONValue.parse(OpenAPISpec.document)
        XCTAssertEqual(doc["openapi"]?.stringValue, "3.1.0")
        let paths = doc["paths"]?.objectValue ?? [:]
        XCTAssertEqual(paths.count, 13)
        XCTAssertNotNil(paths["/api/v1/sources/{slug}"]?["patch"])
    }

    /// The dashboard shows why a hit matched, escaped like everything else.
    func testDashboardShowsWhyAHitMatched() {
        let hit = CatalogHit(callName: "a_b", source: "a", kind: "operation", title: "t", description: "", method: "GET", path: "/x",
                             signature: "a_b(): Promise<unknown>", matched: ["files→file", "<x>→y"])
        let html = CatalogPage.hit(hit).text
        XCTAssertTrue(html.contains("matched: files→file, &lt;x&gt;→y"), html)
    }
}
