import Foundation

/// What a bearer token stands for: its user, and when the token stops being valid on
/// its own (OAuth access tokens; personal tokens live until revoked).
package struct BearerIdentity: Sendable, Equatable {
    package var user: User
    package var expiresAt: Date?
}
