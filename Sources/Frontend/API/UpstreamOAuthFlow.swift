import Foundation
import JunctionCore
import Redis
import Secrets
import Upstream

/// One authorization in progress, from `oauth/start` to the callback. Kept server-side
/// (sealed in Redis under the hash of its `state`, with a TTL) and consumed once.
package struct UpstreamOAuthFlow: Sendable, Codable, Equatable {
    package var owner: String
    package var sourceID: String
    package var verifier: String
    package var redirectURI: String
    package var resource: String
    package var scope: String?
    package var issuer: String
    package var tokenEndpoint: String
    /// The server said it sends `iss` on authorization responses (RFC 9207): then it must.
    package var issRequired: Bool
    package var client: UpstreamOAuthClient
    package var createdAt: Date
    /// A digest of the browser session that started the flow: only that session may finish
    /// it. Nil when it was started with a bearer token (then the owner's session or token).
    package var sessionBinding: String?

    package init(owner: String, sourceID: String, verifier: String, redirectURI: String, resource: String, scope: String?,
                 issuer: String, tokenEndpoint: String, issRequired: Bool, client: UpstreamOAuthClient, createdAt: Date = Date(),
                 sessionBinding: String? = nil) {
        self.owner = owner
        self.sourceID = sourceID
        self.verifier = verifier
        self.redirectURI = redirectURI
        self.resource = resource
        self.scope = scope
        self.issuer = issuer
        self.tokenEndpoint = tokenEndpoint
        self.issRequired = issRequired
        self.client = client
        self.createdAt = createdAt
        self.sessionBinding = sessionBinding
    }

    /// RFC 9207: an `iss` that is present must be the issuer; a server that advertises
    /// the parameter must send it. Guards against mix-up attacks.
    package func checkIssuer(_ iss: String?) throws {
        if let iss, !iss.isEmpty {
            guard iss == issuer else {
                throw JunctionError("oauth_issuer_mismatch",
                                    "the authorization response came from issuer \(iss), but this sign-in was started with \(issuer)", status: 400)
            }
        } else if issRequired {
            throw JunctionError("oauth_issuer_missing", "the authorization server \(issuer) promised an iss parameter but sent none", status: 400)
        }
    }
}

/// Stores flows in Redis: sealed with SecretBox (the verifier is a secret), keyed by
/// SHA-256 of the state, expiring after `ttl`, taken with GETDEL so a state is used once.
package struct UpstreamOAuthFlowStore: Sendable {
    package let redis: RedisClient
    package let box: SecretBox
    package var ttl: Duration = .seconds(600)
    package var prefix = RedisKeys.upstreamOAuthStatePrefix

    package init(redis: RedisClient, box: SecretBox) {
        self.redis = redis
        self.box = box
    }

    /// Saves a flow under a new random state and returns the state.
    package func begin(_ flow: UpstreamOAuthFlow) async throws -> String {
        let state = RandomToken.token(bytes: 32)
        let hash = TokenHasher.hash(state)
        let data = try JSONEncoder().encode(flow)
        let sealed = try box.seal(String(decoding: data, as: UTF8.self), context: Self.context(hash))
        try await redis.send("SET", prefix + hash, sealed, "PX", String(ttl.milliseconds))
        return state
    }

    /// Reads the flow of `state` without using it up (to check who may finish it).
    package func peek(_ state: String) async throws -> UpstreamOAuthFlow? {
        try await read(state, command: "GET")
    }

    /// Takes the flow of `state` (deleting it); nil when unknown, expired or already used.
    package func take(_ state: String) async throws -> UpstreamOAuthFlow? {
        try await read(state, command: "GETDEL")
    }

    private func read(_ state: String, command: String) async throws -> UpstreamOAuthFlow? {
        guard !state.isEmpty, state.count <= 200 else { return nil }
        let hash = TokenHasher.hash(state)
        guard let sealed = try await redis.send(command, prefix + hash).string else { return nil }
        let text = try box.open(sealed, context: Self.context(hash))
        return try JSONDecoder().decode(UpstreamOAuthFlow.self, from: Data(text.utf8))
    }

    static func context(_ hash: String) -> Data { Data("junction/upstream-oauth-state/v1|\(hash)".utf8) }
}
