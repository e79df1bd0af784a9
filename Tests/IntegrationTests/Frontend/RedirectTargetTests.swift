@testable import Frontend
import XCTest

/// Sign-in redirect targets are parsed; only same-origin paths survive.
final class RedirectTargetTests: XCTestCase {
    func testSameOriginPathsAreKept() {
        for (raw, expected) in [("/", "/"), ("/sources", "/sources"), ("/sources?x=1", "/sources?x=1"),
                                ("/oauth/authorize?client_id=a&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb", nil),
                                ("/catalog#top", "/catalog"), ("/a/./b/../c", "/a/c"), ("/%7Euser", "/%7Euser")] {
            XCTAssertEqual(RedirectTarget.sameOriginPath(raw), expected ?? raw, raw)
        }
    }

    func testAnythingABrowserCouldReadAsAnotherOriginFallsBackToRoot() {
        let hostile: [String?] = [
            nil, "", "evil.example", "//evil.example", "///evil.example", "/\\evil.example", "\\/evil.example", "\\\\evil.example",
            "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example", "/ /evil",
            "/%5Cevil.example", "/%5cevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%09/evil.example", "/%0d%0a",
            "/%00", "/%7F", "/.//evil.example", "/./%2F/evil", "/a/../../evil/..//x", "/x/..//evil.example",
            "http:evil.example", "https://evil.example", "http://evil.example/x", "javascript:alert(1)", "data:text/html,x",
            "/\u{200B}/evil.example", "/ü", "/%", "/%zz", "/a\u{7F}", String(repeating: "/a", count: 1100),
        ]
        for raw in hostile {
            XCTAssertEqual(RedirectTarget.sameOriginPath(raw), "/", String(describing: raw))
        }
    }

    func testDotSegmentsResolveLikeABrowser() {
        XCTAssertEqual(RedirectTarget.removingDotSegments("/.//evil"), "//evil")
        XCTAssertEqual(RedirectTarget.removingDotSegments("/a/b/../../.."), "/")
        XCTAssertEqual(RedirectTarget.removingDotSegments("/a/%2e%2E/b"), "/b")
        XCTAssertEqual(RedirectTarget.removingDotSegments("/a/."), "/a/")
    }
}
