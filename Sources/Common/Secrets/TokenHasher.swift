import Crypto
import Foundation

/// Creates and hashes bearer tokens. Tokens carry 256 random bits, so a single
/// SHA-256 is enough to store them safely (no password-style stretching needed).
package enum TokenHasher {
    /// A new token such as `jct_<43 base64url chars>`.
    package static func newToken(prefix: String = "jct") -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        return "\(prefix)_" + base64URL(Data(bytes))
    }

    /// Lowercase hex SHA-256 of the token: what the store keeps and looks tokens up by.
    package static func hash(_ token: String) -> String {
        hex(SHA256.hash(data: Data(token.utf8)))
    }

    /// Lowercase hex of some bytes. Written out by hand: `String(format:)` per byte made
    /// hashing the bearer token the single most expensive step of authenticating a request.
    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether two byte strings are equal, in time that depends only on their lengths
    /// (for comparing secrets and their hashes).
    package static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }

    package static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
