import HTTPTypes
import Hummingbird

/// The security headers of every response, set in one place. A response that sets one of
/// these itself keeps its own value (the sign-in pages and the OAuth callback page have
/// stricter policies of their own; static assets are cacheable).
///
/// - `X-Content-Type-Options: nosniff` everywhere;
/// - `X-Frame-Options: DENY` everywhere (and `frame-ancestors 'none'` in every page policy):
///   consent and dashboard pages must not be clickjacked;
/// - `Referrer-Policy: same-origin`, not `no-referrer`: with `no-referrer` a browser posts
///   the sign-in forms with `Origin: null`, which the same-origin check refuses, while other
///   sites still get no `Referer`;
/// - `Cache-Control: no-store` unless the route chose a caching policy (API answers, pages
///   and tokens must not sit in shared caches);
/// - on HTML, the dashboard's `Content-Security-Policy` (only Junction's own scripts,
///   styles and images; no inline script; no framing).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The Content-Security-Policy of every dashboard page.
    static var pagePolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(to: &response.headers)
        return response
    }

    /// Adds every header the response does not set itself.
    static func apply(to headers: inout HTTPFields) {
        func fill(_ name: HTTPField.Name, _ value: String) {
            if headers[name] == nil { headers[name] = value }
        }
        fill(.xContentTypeOptions, "nosniff")
        fill(.xFrameOptions, "DENY")
        fill(.referrerPolicy, "same-origin")
        fill(.cacheControl, "no-store")
        if headers[.contentType]?.lowercased().hasPrefix("text/html") == true {
            fill(.contentSecurityPolicy, pagePolicy)
        }
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
