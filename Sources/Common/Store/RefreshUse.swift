/// Outcome of presenting a refresh token.
package enum RefreshUse: Sendable {
    case fresh(OAuthToken)
    /// Already exchanged, revoked, or expired (`reused` revoked its whole family).
    case reused
    case invalid
}
