import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import Store

/// The dashboard's page chrome (landmarks, navigation, skip link)
/// and the HTML-escape helper every page (and the sign-in pages) use.
enum Layout {
    /// Sections of the navigation.
    enum Section: String, CaseIterable, Sendable {
        case overview, sources, catalog, endpoint, executions, admin

        var title: String {
            switch self {
            case .overview: "Overview"
            case .sources: "Sources"
            case .catalog: "Catalog"
            case .endpoint: "Endpoint"
            case .executions: "Executions"
            case .admin: "Admin"
            }
        }

        var path: String { self == .overview ? "/" : "/" + rawValue }
    }

    /// Escapes user-supplied text for HTML (text and quoted attributes).
    static func escape(_ text: String) -> String { HTML.escape(text) }

    /// The headers of an HTML page; `SecurityHeadersMiddleware` adds the security headers
    /// (the page `Content-Security-Policy`, `no-store`, no framing).
    static func htmlHeaders() -> HTTPFields {
        [.contentType: "text/html; charset=utf-8"]
    }

    /// A full dashboard page for a signed-in person.
    /// `page` names the page for the script (default: the section's name).
    static func page(title: String, section: Section, session: WebSession, status: HTTPResponse.Status = .ok,
                     page: String? = nil, main: HTML) -> Response {
        let nav = HTML.join(Section.allCases.filter { $0 != .admin || session.user.isAdmin }.map { s in
            let current: HTML = s == section ? " aria-current=\"page\"" : ""
            return "<li><a href=\"\(s.path)\"\(current)>\(s.title)</a></li>"
        })
        let body: HTML = """
            <header class="topbar">
              <div class="topbar-inner">
                <a class="brand" href="/"><img class="brand-mark" src="\(Assets.path("favicon.svg"))" alt="" width="23" height="23"> Junction</a>
                <nav class="mainnav" aria-label="Main"><ul class="nav">\(nav)</ul></nav>
                <div class="account">
                  <span class="account-email" title="Signed in">\(session.user.email)</span>
                  <form method="post" action="/logout" class="inline">
                    <input type="hidden" name="csrf" value="\(session.csrfToken)">
                    <button type="submit" class="btn btn-quiet">Sign out</button>
                  </form>
                </div>
              </div>
            </header>
            <main id="main" tabindex="-1">
            \(main)
            </main>
            <div id="toast" class="toast" role="status" aria-live="polite"></div>
            """
        return document(title: title, status: status, csrf: session.csrfToken, page: page ?? section.rawValue, body: body)
    }

    /// A complete HTML document with the stylesheet and the app script.
    static func document(title: String, status: HTTPResponse.Status = .ok, csrf: String?, page: String, body: HTML) -> Response {
        let meta: HTML = csrf.map { "<meta name=\"csrf-token\" content=\"\($0)\">" } ?? ""
        let html: HTML = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            \(meta)
            <title>\(title) · Junction</title>
            <link rel="icon" href="\(Assets.path("favicon.svg"))" type="image/svg+xml">
            <link rel="stylesheet" href="\(Assets.path("app.css"))">
            <script src="\(Assets.path("app.js"))" defer></script>
            </head>
            <body data-page="\(page)">
            <a class="skip-link" href="#main">Skip to content</a>
            \(body)
            </body>
            </html>
            """
        return Response(status: status, headers: htmlHeaders(), body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// A page that only says what went wrong (signed in or not).
    static func errorPage(_ error: any CodedError, session: WebSession?) -> Response {
        let main: HTML = """
            <section class="panel narrow">
              <h1>\(error.status == 404 ? "Not found" : "Something went wrong")</h1>
              <p>\(error.message)</p>
              <p><a class="btn" href="/">Back to the overview</a></p>
            </section>
            """
        let status = HTTPResponse.Status(code: error.status)
        if let session { return page(title: "Error", section: .overview, session: session, status: status, main: main) }
        return document(title: "Error", status: status, csrf: nil, page: "error", body: "<main id=\"main\">\(main)</main>")
    }

    /// 303 to `location`.
    static func redirect(_ location: String) -> Response {
        var headers = htmlHeaders()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// Sign-in redirect that comes back to `path` afterwards.
    static func signInRedirect(next path: String) -> Response {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
        return redirect("/login?next=" + encoded)
    }

    /// `2026-05-01 12:34:56 UTC`, inside a `<time>` element.
    static func time(_ date: Date?) -> HTML {
        guard let date else { return "<span class=\"muted\">never</span>" }
        return "<time datetime=\"\(date.iso8601)\">\(date.humanUTC)</time>"
    }

    /// A coloured status badge.
    static func badge(_ status: String) -> HTML {
        let kind: String
        switch status {
        case "ready", "ok", "success": kind = "ok"
        case "error", "failed", "timeout", "lost", "expired": kind = "bad"
        case "disabled", "cancelled": kind = "off"
        case "pending", "queued", "refreshing": kind = "busy"
        default: kind = "warn"
        }
        return "<span class=\"badge badge-\(kind)\" data-status=\"\(status)\">\(status.replacingOccurrences(of: "_", with: " "))</span>"
    }
}
