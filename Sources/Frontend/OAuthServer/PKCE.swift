import Foundation
import Upstream

/// Proof Key for Code Exchange (RFC 7636), S256 only: the authorization server's checks.
/// The S256 transform itself is `UpstreamPKCE`'s, shared with Junction's OAuth clients.
enum PKCE {
    /// Whether a code challenge is well-formed: base64url of a SHA-256 (43 characters).
    static func isValidChallenge(_ challenge: String) -> Bool {
        challenge.count == 43 && challenge.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Whether `verifier` (43–128 unreserved characters) hashes to `challenge`.
    static func verify(verifier: String, challenge: String) -> Bool {
        guard (43...128).contains(verifier.count),
              verifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._~".contains($0)) }) else { return false }
        return Authenticator.constantTimeEquals(Self.challenge(for: verifier), challenge)
    }

    /// The S256 challenge of a verifier.
    static func challenge(for verifier: String) -> String {
        UpstreamPKCE.challenge(for: verifier)
    }
}
