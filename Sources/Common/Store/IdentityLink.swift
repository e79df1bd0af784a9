/// What linking an identity came to.
package enum IdentityLink: Sendable, Equatable {
    /// The identity was linked already (to this account).
    case existing(User)
    /// The account with the asserted email was linked to it now.
    case linked(User)
    /// A new account was created for it (the first account ever is the admin).
    case created(User)
    /// The account with the asserted email is linked to another subject of this issuer.
    case conflict(User)
}
