import Common
import Foundation

/// Configuration of sign-in and the OAuth authorization server.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `JUNCTION_OIDC_ISSUER` | OpenID Connect issuer URL (enables "Sign in with SSO") | – |
/// | `JUNCTION_OIDC_CLIENT_ID` | Junction's client id at that issuer | – |
/// | `JUNCTION_OIDC_CLIENT_SECRET` | its client secret (secret; never logged) | – (public client) |
/// | `JUNCTION_OIDC_SCOPES` | scopes requested | `openid email profile` |
/// | `JUNCTION_ALLOWED_EMAILS` | comma-separated emails that may sign in (and get an account on first OIDC sign-in) | – |
/// | `JUNCTION_ALLOWED_DOMAINS` | comma-separated email domains likewise | – |
/// | `JUNCTION_OAUTH_ACCESS_TOKEN_TTL` | lifetime of OAuth access tokens, seconds | 3600 |
/// | `JUNCTION_OAUTH_REFRESH_TOKEN_TTL` | lifetime of OAuth refresh tokens, seconds | 2592000 |
/// | `JUNCTION_CLIENT_METADATA_TTL` | how long a fetched Client ID Metadata Document is cached, seconds | 300 |
struct AuthConfiguration: Sendable {
    var oidcIssuer: String?
    var oidcClientID: String?
    var oidcClientSecret: String?
    var oidcScopes: String
    var allowedEmails: Set<String>
    var allowedDomains: Set<String>
    var accessTokenTTL: TimeInterval
    var refreshTokenTTL: TimeInterval
    var codeTTL: TimeInterval = 60
    var clientMetadataTTL: TimeInterval

    init(environment env: Environment = Environment()) throws {
        oidcIssuer = env.string("JUNCTION_OIDC_ISSUER")
        oidcClientID = env.string("JUNCTION_OIDC_CLIENT_ID")
        oidcClientSecret = env.string("JUNCTION_OIDC_CLIENT_SECRET")
        oidcScopes = env.string("JUNCTION_OIDC_SCOPES", default: "openid email profile")
        func list(_ key: String) -> Set<String> {
            Set((env.string(key) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        allowedEmails = list("JUNCTION_ALLOWED_EMAILS")
        allowedDomains = Set(list("JUNCTION_ALLOWED_DOMAINS").map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 })
        accessTokenTTL = TimeInterval(max(1, try env.int("JUNCTION_OAUTH_ACCESS_TOKEN_TTL", default: 3600)))
        refreshTokenTTL = TimeInterval(max(1, try env.int("JUNCTION_OAUTH_REFRESH_TOKEN_TTL", default: 30 * 24 * 3600)))
        clientMetadataTTL = TimeInterval(try env.int("JUNCTION_CLIENT_METADATA_TTL", default: 300))
    }

    /// Whether OpenID Connect sign-in is configured.
    var oidcEnabled: Bool { oidcIssuer != nil && oidcClientID != nil }
}
