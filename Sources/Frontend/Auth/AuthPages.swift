import Foundation
import HTTPTypes
import Hummingbird

/// Every HTML page of sign-in and the authorization server: plain, escaped, no scripts.
enum AuthPages {
    /// HTML-escapes text for element content and quoted attributes (the dashboard's one escaper).
    static func escape(_ s: String) -> String { HTML.escape(s) }

    /// A complete page response with a strict CSP and no framing (consent must not be clickjacked).
    static func response(title: String, body: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Junction</title><link rel="stylesheet" href="/assets/app.css"></head>
            <body class="auth"><main class="auth-card"><h1>\(escape(title))</h1>
            \(body)
            </main></body></html>
            """
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        // No script at all, and forms may post to the client's redirect URI; the other
        // security headers (no framing, same-origin referrer, no-store) come from
        // `SecurityHeadersMiddleware`.
        headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self' http: https:"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
    }

    private static func errorBlock(_ error: String?) -> String {
        error.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? ""
    }

    static func login(next: String, error: String? = nil, oidcEnabled: Bool, setupOpen: Bool, status: HTTPResponse.Status = .ok) -> Response {
        var body = errorBlock(error)
        body += """
            <form method="post" action="/login">
            \(hidden("next", next))
            <label>Email <input type="email" name="email" autocomplete="username" required></label>
            <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
            <button type="submit">Sign in</button>
            </form>
            """
        if oidcEnabled {
            body += "<p><a class=\"button\" href=\"/signin/oidc?next=\(escape(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))\">Sign in with single sign-on</a></p>"
        }
        if setupOpen { body += "<p>No account exists yet: <a href=\"/setup\">create the first (admin) account</a>.</p>" }
        return response(title: "Sign in", body: body, status: status)
    }

    static func setup(error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        response(title: "Create the first account", body: errorBlock(error) + """
            <p>This account becomes Junction's administrator.</p>
            <form method="post" action="/setup">
            <label>Email <input type="email" name="email" autocomplete="username" required></label>
            <label>Password (at least 10 characters) <input type="password" name="password" autocomplete="new-password" minlength="10" required></label>
            <button type="submit">Create account</button>
            </form>
            """, status: status)
    }

    static func consent(clientName: String, clientID: String, redirectHost: String, scope: String, userEmail: String,
                        fields: [(String, String)]) -> Response {
        let hiddenFields = fields.map { hidden($0.0, $0.1) }.joined(separator: "\n")
        return response(title: "Allow access?", body: """
            <p><strong>\(escape(clientName))</strong> wants to use Junction as <strong>\(escape(userEmail))</strong>.</p>
            <dl><dt>Client</dt><dd><code>\(escape(clientID))</code></dd>
            <dt>Will return to</dt><dd><code>\(escape(redirectHost))</code></dd>
            <dt>Access</dt><dd>\(escape(scope)): call your tools through /mcp (search and execute)</dd></dl>
            <form method="post" action="/oauth/authorize">
            \(hiddenFields)
            <button type="submit" name="decision" value="approve">Allow</button>
            <button type="submit" name="decision" value="deny">Deny</button>
            </form>
            """)
    }

    static func error(title: String, message: String, status: HTTPResponse.Status) -> Response {
        response(title: title, body: "<p class=\"error\" role=\"alert\">\(escape(message))</p><p><a href=\"/\">Back to Junction</a></p>", status: status)
    }

    static func loggedOut() -> Response {
        response(title: "Signed out", body: "<p>You are signed out.</p><p><a href=\"/login\">Sign in again</a></p>")
    }

    /// A 303 to `location`, with optional cookies.
    static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        for c in cookies { response.setCookie(c) }
        return response
    }
}

/// `application/x-www-form-urlencoded` parsing (and encoding for query strings).
enum FormCoding {
    static func decode(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func dec(_ s: Substring) -> String { (String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding) ?? "" }
            let key = dec(kv[0])
            if out[key] == nil { out[key] = kv.count > 1 ? dec(kv[1]) : "" }
        }
        return out
    }

    static let unreserved: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")" }
            .joined(separator: "&")
    }
}

extension Request {
    /// The form body (capped at 64 KiB) or the query string's parameters.
    mutating func formFields() async throws -> [String: String] {
        let buffer = try await collectBody(limit: 65_536)
        return FormCoding.decode(String(buffer: buffer))
    }

    /// Query parameters as a dictionary (first value wins).
    var queryFields: [String: String] { FormCoding.decode(uri.query ?? "") }
}
