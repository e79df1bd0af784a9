import Crypto
import Foundation
import Secrets

/// A PKCE pair (RFC 7636) with the S256 method, the only one Junction uses.
package struct UpstreamPKCE: Sendable, Equatable {
    /// The secret kept by Junction until the token request.
    package var verifier: String
    /// `BASE64URL(SHA256(verifier))`, sent on the authorization request.
    package var challenge: String
    /// Always `S256`.
    package static let method = "S256"

    package init(verifier: String) {
        self.verifier = verifier
        self.challenge = Self.challenge(for: verifier)
    }

    /// A fresh pair: 32 random bytes give a 43-character verifier.
    package static func generate() -> UpstreamPKCE {
        UpstreamPKCE(verifier: RandomToken.token(bytes: 32))
    }

    /// The S256 challenge of a verifier.
    package static func challenge(for verifier: String) -> String {
        TokenHasher.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }
}
