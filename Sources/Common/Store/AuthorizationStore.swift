import Foundation

/// Junction as an OAuth authorization server and OpenID Connect client: registered and
/// metadata-document clients, consents, authorization codes, issued tokens and pending
/// sign-ins. Codes and tokens are stored only as hashes.
package protocol AuthorizationStore: Sendable {
    /// A client by id (registered or cached metadata document).
    func oauthClient(id: String) async throws -> OAuthClientRecord?
    /// Inserts or replaces a client.
    func saveOAuthClient(_ client: OAuthClientRecord) async throws
    /// Records that a client obtained tokens (once; later calls change nothing).
    func markOAuthClientUsed(id: String) async throws
    /// Deletes registered clients created before `cutoff` that never obtained a token;
    /// returns how many went.
    @discardableResult
    func sweepUnusedOAuthClients(createdBefore cutoff: Date) async throws -> Int
    /// How many registered clients have not obtained a token yet.
    func unusedOAuthClientCount() async throws -> Int
    /// Stores a freshly fetched metadata document and keeps at most `keep` of them.
    func saveMetadataClient(_ client: OAuthClientRecord, keep: Int) async throws
    /// How many metadata documents are cached.
    func metadataClientCount() async throws -> Int

    /// The user's consent for this client, if given before.
    func consent(userId: String, clientId: String) async throws -> OAuthConsent?
    /// Remembers a consent.
    func saveConsent(userId: String, clientId: String, scope: String) async throws

    /// Stores a new authorization code (already hashed in `code.codeHash`).
    func insertOAuthCode(_ code: OAuthCode) async throws
    /// Marks a code used, atomically. A second redemption revokes the tokens of its family.
    func redeemOAuthCode(hash: String) async throws -> CodeRedemption
    /// Stores issued tokens.
    func insertOAuthTokens(_ tokens: [OAuthToken]) async throws
    /// A token row by the token's hash.
    func oauthToken(hash: String) async throws -> OAuthToken?
    /// Marks a refresh token exchanged, atomically; presenting it again revokes its family.
    func useRefreshToken(hash: String, clientId: String) async throws -> RefreshUse
    /// Revokes a token (RFC 7009) if `clientId` was issued it; a refresh token's whole family.
    func revokeOAuthToken(hash: String, clientId: String) async throws
    /// The enabled user of a live OAuth access token for `resource`, or nil.
    func userForAccessToken(_ token: String, resource: String) async throws -> User?

    /// Stores a pending OIDC sign-in.
    func insertOIDCState(_ state: OIDCLoginState) async throws
    /// Takes (deletes and returns) a live pending OIDC sign-in.
    func takeOIDCState(hash: String) async throws -> OIDCLoginState?
}
