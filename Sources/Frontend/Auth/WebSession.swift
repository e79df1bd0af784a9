import Foundation
import Hummingbird
import Store

/// A signed-in person in a browser (cookie `junction_session`, HttpOnly, SameSite=Lax,
/// Secure unless the public URL is loopback http).
struct WebSession: Sendable {
    let user: User
    let csrfToken: String
}

extension Authenticator {
    /// How long a browser session lasts.
    static let sessionLifetime: TimeInterval = 7 * 24 * 3600

    /// The browser session of this request, or nil when there is none / it expired / user disabled.
    func webSession(for request: Request) async throws -> WebSession? {
        guard let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty,
              let user = try await database.userForWebSession(token: cookie) else { return nil }
        return WebSession(user: user, csrfToken: Self.csrfToken(forSession: cookie))
    }

    /// Starts a session for `user` and returns the `Set-Cookie` to send.
    func startSession(for user: User) async throws -> Cookie {
        let token = try await database.createWebSession(userId: user.id, lifetime: Self.sessionLifetime)
        return Cookie(name: Self.sessionCookie, value: token, maxAge: Int(Self.sessionLifetime), path: "/",
                      secure: cookiesSecure, httpOnly: true, sameSite: .lax)
    }

    /// Ends this request's session (if any) and returns the cookie that clears it.
    func endSession(for request: Request) async throws -> Cookie {
        if let cookie = request.cookies[Self.sessionCookie]?.value { try await database.deleteWebSession(token: cookie) }
        return Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", secure: cookiesSecure, httpOnly: true, sameSite: .lax)
    }
}
