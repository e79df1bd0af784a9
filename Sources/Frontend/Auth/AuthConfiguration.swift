import Foundation
import JunctionCore

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
/// | `JUNCTION_CLIENT_METADATA_CACHE_MAX` | most Client ID Metadata Documents kept cached (the least recently fetched go first) | 1000 |
/// | `JUNCTION_OAUTH_UNUSED_CLIENT_TTL` | seconds a dynamically registered client that never obtained a token lives | 86400 |
/// | `JUNCTION_OAUTH_MAX_UNUSED_CLIENTS` | most dynamically registered clients that never obtained a token (registration answers 429 beyond) | 10000 |
/// | `JUNCTION_OIDC_REQUIRE_EMAIL_VERIFIED` | `false` also accepts ID tokens without `email_verified` (never `email_verified: false`) | true |
/// | `JUNCTION_TRUSTED_PROXIES` | reverse proxies (addresses or CIDR networks, comma-separated) whose `X-Forwarded-For` names the client | – |
/// | `JUNCTION_THROTTLE_*` | anonymous-endpoint limits (`ThrottleBucket`): `N/s`, `N/m`, `N/h`, `N/d`, `N/<n>s` or `off` | see `ThrottleBucket` |
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
    var clientMetadataCacheMax: Int
    var unusedClientTTL: TimeInterval
    var maxUnusedClients: Int
    var requireEmailVerified: Bool
    var trustedProxies: [IPNetwork]
    /// Limits of the anonymous endpoints; a bucket without one is not throttled.
    var throttles: [ThrottleBucket: ThrottleLimit]

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
        clientMetadataCacheMax = max(1, try env.int("JUNCTION_CLIENT_METADATA_CACHE_MAX", default: 1000))
        unusedClientTTL = TimeInterval(max(1, try env.int("JUNCTION_OAUTH_UNUSED_CLIENT_TTL", default: 86_400)))
        maxUnusedClients = max(1, try env.int("JUNCTION_OAUTH_MAX_UNUSED_CLIENTS", default: 10_000))
        requireEmailVerified = env.bool("JUNCTION_OIDC_REQUIRE_EMAIL_VERIFIED", default: true)
        trustedProxies = try (env.string("JUNCTION_TRUSTED_PROXIES") ?? "").split(separator: ",").compactMap { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return nil }
            guard let network = IPNetwork(text) else {
                throw JunctionError("invalid_configuration", "JUNCTION_TRUSTED_PROXIES: '\(text)' is not an IP address or CIDR network")
            }
            return network
        }
        var throttles: [ThrottleBucket: ThrottleLimit] = [:]
        for bucket in ThrottleBucket.allCases {
            throttles[bucket] = try ThrottleLimit.parse(env.string(bucket.settingKey, default: bucket.defaultLimit), key: bucket.settingKey)
        }
        self.throttles = throttles
    }

    /// Whether OpenID Connect sign-in is configured.
    var oidcEnabled: Bool { oidcIssuer != nil && oidcClientID != nil }
}
