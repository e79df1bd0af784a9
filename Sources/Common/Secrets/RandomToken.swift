import Foundation

/// Unguessable values: OAuth `state`, PKCE verifiers, lock tokens.
package enum RandomToken {
    /// base64url of `bytes` random bytes from the system generator.
    package static func token(bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return TokenHasher.base64URL(Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &rng) }))
    }
}
