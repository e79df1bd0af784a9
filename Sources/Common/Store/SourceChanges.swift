import Foundation
import Secrets
import Upstream

/// What an edit of a source changes (nil: unchanged).
package struct SourceChanges: Sendable {
    package var name: String?
    package var baseUrl: String??
    package var specUrl: String??
    package var enabled: Bool?
    package var authType: SourceAuthType?
    package var authHeaderName: String??
    /// `.some(nil)` removes the secret, `.some(x)` seals x, nil keeps it.
    package var secret: String??
    /// The origin the user confirmed for the secret (`auth.origin`), if any.
    package var confirmedOrigin: Origin?
    package var status: SourceStatus?
    /// A stdio source's new secrets (all of them), sealed to its server; nil keeps them.
    package var stdioSecrets: [String: String]?

    package init() {}
}
