/// Outcome of redeeming an authorization code.
package enum CodeRedemption: Sendable {
    case fresh(OAuthCode)
    /// The code was used before: the tokens issued from it were revoked.
    case replayed
    case unknown
}
