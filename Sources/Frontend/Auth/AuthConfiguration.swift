import Config
import Configuration
import Foundation
import JunctionCore

/// Configuration of sign-in, the anonymous-endpoint throttles and the OAuth authorization
/// server; part of `FrontendConfiguration`. `oidcClientSecret` never shows in descriptions.
package struct AuthConfiguration: Sendable, CustomStringConvertible {
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

    init(reader: ConfigReader) throws {
        oidcIssuer = reader.string(.oidcIssuer)
        oidcClientID = reader.string(.oidcClientID)
        oidcClientSecret = reader.string(.oidcClientSecret)
        oidcScopes = reader.string(.oidcScopes, default: "openid email profile")
        allowedEmails = Set(reader.lowercasedList(.allowedEmails))
        allowedDomains = Set(reader.lowercasedList(.allowedDomains).map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 })
        accessTokenTTL = TimeInterval(max(1, try reader.int(.accessTokenTTL, default: 3600)))
        refreshTokenTTL = TimeInterval(max(1, try reader.int(.refreshTokenTTL, default: 30 * 24 * 3600)))
        clientMetadataTTL = TimeInterval(try reader.int(.clientMetadataTTL, default: 300))
        clientMetadataCacheMax = max(1, try reader.int(.clientMetadataCacheMax, default: 1000))
        unusedClientTTL = TimeInterval(max(1, try reader.int(.unusedClientTTL, default: 86_400)))
        maxUnusedClients = max(1, try reader.int(.maxUnusedClients, default: 10_000))
        requireEmailVerified = reader.bool(.requireEmailVerified, default: true)
        trustedProxies = try (reader.string(.trustedProxies) ?? "").split(separator: ",").compactMap { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return nil }
            guard let network = IPNetwork(text) else {
                throw ConfigurationError(.trustedProxies, "JUNCTION_TRUSTED_PROXIES: '\(text)' is not an IP address or CIDR network")
            }
            return network
        }
        var throttles: [ThrottleBucket: ThrottleLimit] = [:]
        for bucket in ThrottleBucket.allCases {
            let key = bucket.settingKey
            throttles[bucket] = try ThrottleLimit.parse(reader.string(key, default: bucket.defaultLimit), key: key.variable)
        }
        self.throttles = throttles
    }

    /// Whether OpenID Connect sign-in is configured.
    var oidcEnabled: Bool { oidcIssuer != nil && oidcClientID != nil }

    /// The keys it reads, in the order of the reference.
    static let keys: [ConfigurationKey] = [
        .oidcIssuer, .oidcClientID, .oidcClientSecret, .oidcScopes, .allowedEmails, .allowedDomains, .accessTokenTTL,
        .refreshTokenTTL, .clientMetadataTTL, .clientMetadataCacheMax, .unusedClientTTL, .maxUnusedClients,
        .requireEmailVerified, .trustedProxies,
    ] + ThrottleBucket.allCases.map(\.settingKey)

    package var description: String { redactedDescription(of: self, secret: ["oidcClientSecret"]) }
}

extension ConfigurationKey {
    static let oidcIssuer = ConfigurationKey("junction.oidc.issuer", variable: "JUNCTION_OIDC_ISSUER", default: .unset)
    static let oidcClientID = ConfigurationKey("junction.oidc.clientID", variable: "JUNCTION_OIDC_CLIENT_ID", default: .unset)
    static let oidcClientSecret = ConfigurationKey("junction.oidc.clientSecret", variable: "JUNCTION_OIDC_CLIENT_SECRET",
                                                   default: .unset, secret: true)
    static let oidcScopes = ConfigurationKey("junction.oidc.scopes", variable: "JUNCTION_OIDC_SCOPES", default: .value("openid email profile"))
    static let requireEmailVerified = ConfigurationKey("junction.oidc.requireEmailVerified", variable: "JUNCTION_OIDC_REQUIRE_EMAIL_VERIFIED",
                                                       default: .value("true"))
    static let allowedEmails = ConfigurationKey("junction.allowedEmails", variable: "JUNCTION_ALLOWED_EMAILS", default: .unset)
    static let allowedDomains = ConfigurationKey("junction.allowedDomains", variable: "JUNCTION_ALLOWED_DOMAINS", default: .unset)
    static let accessTokenTTL = ConfigurationKey("junction.oauth.accessTokenTTL", variable: "JUNCTION_OAUTH_ACCESS_TOKEN_TTL",
                                                 default: .value("3600"))
    static let refreshTokenTTL = ConfigurationKey("junction.oauth.refreshTokenTTL", variable: "JUNCTION_OAUTH_REFRESH_TOKEN_TTL",
                                                  default: .value("2592000"))
    static let unusedClientTTL = ConfigurationKey("junction.oauth.unusedClientTTL", variable: "JUNCTION_OAUTH_UNUSED_CLIENT_TTL",
                                                  default: .value("86400"))
    static let maxUnusedClients = ConfigurationKey("junction.oauth.maxUnusedClients", variable: "JUNCTION_OAUTH_MAX_UNUSED_CLIENTS",
                                                   default: .value("10000"))
    static let clientMetadataTTL = ConfigurationKey("junction.clientMetadata.ttl", variable: "JUNCTION_CLIENT_METADATA_TTL",
                                                    default: .value("300"))
    static let clientMetadataCacheMax = ConfigurationKey("junction.clientMetadata.cacheMax", variable: "JUNCTION_CLIENT_METADATA_CACHE_MAX",
                                                         default: .value("1000"))
    static let trustedProxies = ConfigurationKey("junction.trustedProxies", variable: "JUNCTION_TRUSTED_PROXIES", default: .unset)
}
