import Foundation
import JunctionCore

/// Errors of Junction's OAuth client towards upstream MCP servers.
package enum UpstreamOAuthError {
    /// Discovery of the protected resource or its authorization server failed.
    package static func discovery(_ message: String) -> UpstreamError {
        UpstreamError.oauthDiscoveryFailed(message)
    }

    /// The source needs its user to sign in (again) before it can be used.
    package static func needsSignIn(_ slug: String, reason: String) -> UpstreamError {
        UpstreamError.needsSignIn("source \(slug) needs sign-in again (\(reason)): sign in from the dashboard (Sources) or POST /api/v1/sources/\(slug)/oauth/start")
    }

    /// The token endpoint refused a request.
    package static func token(_ failure: UpstreamOAuthTokenFailure) -> UpstreamError {
        UpstreamError.oauthTokenError(failure.description)
    }
}

/// An error answer from a token endpoint (RFC 6749 §5.2).
package struct UpstreamOAuthTokenFailure: Error, Sendable, CustomStringConvertible {
    package var status: Int
    package var error: String
    package var errorDescription: String?

    package init(status: Int, error: String, errorDescription: String? = nil) {
        self.status = status
        self.error = error
        self.errorDescription = errorDescription
    }

    /// True when retrying cannot help: the grant or the client is no longer valid.
    package var isPermanent: Bool {
        ["invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope"].contains(error)
    }

    package var description: String {
        "the token endpoint answered HTTP \(status) \(error)" + (errorDescription.map { ": \($0)" } ?? "")
    }
}
