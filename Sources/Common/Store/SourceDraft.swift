import Foundation
import JunctionCore
import Secrets
import Upstream

/// What a caller supplies to register a source.
package struct SourceDraft: Sendable {
    package var slug: String
    package var type: SourceType
    package var name: String
    package var baseUrl: String?
    package var specUrl: String?
    package var authType: SourceAuthType
    package var authHeaderName: String?
    package var secret: String?
    /// The origin the user confirmed for the secret (`auth.origin`); nil: baseUrl's origin.
    package var secretOrigin: Origin?
    /// A stdio source's server declaration.
    package var stdioServer: String?
    /// A stdio source's secrets, by the declaration's names.
    package var stdioSecrets: [String: String]

    package init(slug: String, type: SourceType, name: String, baseUrl: String?, specUrl: String?,
                 authType: SourceAuthType = .none, authHeaderName: String? = nil, secret: String? = nil,
                 secretOrigin: Origin? = nil, stdioServer: String? = nil, stdioSecrets: [String: String] = [:]) {
        self.stdioServer = stdioServer
        self.stdioSecrets = stdioSecrets
        self.slug = slug
        self.type = type
        self.name = name
        self.baseUrl = baseUrl
        self.specUrl = specUrl
        self.authType = authType
        self.authHeaderName = authHeaderName
        self.secret = secret
        self.secretOrigin = secretOrigin
    }
}
