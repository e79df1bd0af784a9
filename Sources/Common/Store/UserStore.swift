import Foundation

/// Accounts and what proves who someone is: users, personal API tokens, browser sessions,
/// the sign-in allowlist, linked OpenID Connect identities and the auth epoch.
/// Every method is scoped by the user or owner it names.
package protocol UserStore: Sendable {
    /// Number of users (first-run setup is open only while it is 0).
    func userCount() async throws -> Int
    /// The user with this email (case-insensitive), if any.
    func user(email: String) async throws -> User?
    /// The user with this id.
    func user(id: String) async throws -> User?
    /// All users, oldest first.
    func listUsers() async throws -> [User]
    /// Creates the first account as admin with a password; `conflict` when any user exists.
    func createFirstAdmin(email: String, passwordHash: String) async throws -> User
    /// Creates a user (optionally with a password); `conflict` when the email is taken.
    func createUser(email: String, isAdmin: Bool, passwordHash: String?) async throws -> User
    /// The user with this email, created when it does not exist yet (the first is admin).
    func userCreatingIfNeeded(email: String) async throws -> User
    /// Sets (or replaces) a user's password hash.
    func setPasswordHash(userId: String, hash: String) async throws
    /// The stored password hash of a user, if the account has a password.
    func passwordHash(userId: String) async throws -> String?
    /// Disables or enables a user; disabling ends their browser sessions at once.
    func setUserDisabled(id: String, disabled: Bool) async throws -> User?
    /// Makes a user an administrator or takes it away; nil when there is no such user.
    func setUserAdmin(id: String, isAdmin: Bool) async throws -> User?

    /// A user's personal tokens, newest first (hashes included; never expose them).
    func listAPITokens(owner: String) async throws -> [APIToken]
    /// Creates a personal API token; the plaintext is returned once and never stored.
    func createAPIToken(owner: String, name: String) async throws -> (token: String, record: APIToken)
    /// Revokes one of the owner's tokens; false when it does not exist for this owner.
    func revokeAPIToken(id: String, owner: String) async throws -> Bool
    /// The enabled user a live personal API token belongs to, or nil.
    func authenticate(token: String) async throws -> User?
    /// The enabled user of a bearer token (see `bearerIdentity`).
    func userForBearer(_ token: String, accessTokenResource: String?) async throws -> User?
    /// The enabled user of a bearer token and when it expires: a live personal API token,
    /// or (only when `accessTokenResource` is given) a live OAuth access token issued for
    /// that resource. On every MCP request's path: keep it one indexed read.
    func bearerIdentity(_ token: String, accessTokenResource: String?) async throws -> BearerIdentity?
    /// A counter bumped by every change that can make a valid bearer token invalid (user
    /// changed or deleted, token revoked or deleted). Read on every MCP request: keep it cheap.
    func authEpoch() async throws -> Int64

    /// Starts a browser session; returns the cookie value (shown to the browser only).
    func createWebSession(userId: String, lifetime: TimeInterval) async throws -> String
    /// The enabled user of a live session cookie, or nil.
    func userForWebSession(token: String) async throws -> User?
    /// Ends a session (logout).
    func deleteWebSession(token: String) async throws

    /// Admin-managed allowlist entries.
    func listAllowlist() async throws -> [AllowlistEntry]
    /// Adds an email or domain entry (idempotent).
    func addAllowlistEntry(kind: String, value: String) async throws -> AllowlistEntry
    /// Removes an allowlist entry; false when it does not exist.
    func deleteAllowlistEntry(id: String) async throws -> Bool

    /// The account an identity is linked to (recording the sign-in), or nil.
    func userForIdentity(issuer: String, subject: String, email: String?) async throws -> User?
    /// Links an identity whose issuer asserted the verified `email`, in one transaction.
    func linkIdentity(issuer: String, subject: String, email: String) async throws -> IdentityLink
    /// The identities linked to an account.
    func identities(userId: String) async throws -> [UserIdentity]
}
