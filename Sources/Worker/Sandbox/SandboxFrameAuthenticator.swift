import Crypto
import Foundation
import Secrets

/// Checks the frames a sandbox host writes on its stdout. Each line is
/// `<mac> <seq> <json>`: mac is base64url(HMAC-SHA256(key, "<seq> <json>")) under a key
/// that only this worker and the host's main thread know (it travels on the host's fd 3,
/// which no sandbox isolate can open), and seq grows with every frame. A line that fails
/// is not a frame, whoever wrote it.
package struct SandboxFrameAuthenticator: Sendable {
    /// The key as the host receives it: the first line on its fd 3.
    package let keyLine: String
    private let key: SymmetricKey
    private var lastSeq: UInt64 = 0

    /// A fresh random key.
    package init() {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        self.init(key: bytes)
    }

    package init(key bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
        keyLine = TokenHasher.base64URL(Data(bytes))
    }

    /// The JSON of a genuine frame, or nil. Accepts each sequence number once, in order.
    package mutating func open(_ line: some Collection<UInt8>) -> Data? {
        let bytes = Array(line)
        guard bytes.count > 46, let space = bytes.firstIndex(of: 0x20), space == 43 else { return nil }
        let signed = bytes[(space + 1)...]
        guard let seqEnd = signed.firstIndex(of: 0x20), seqEnd > signed.startIndex, seqEnd - signed.startIndex <= 19 else { return nil }
        var seq: UInt64 = 0
        for digit in signed[signed.startIndex..<seqEnd] {
            guard digit >= 0x30, digit <= 0x39 else { return nil }
            seq = seq * 10 + UInt64(digit - 0x30)
        }
        let expected = Self.base64URL(HMAC<SHA256>.authenticationCode(for: signed, using: key))
        guard TokenHasher.constantTimeEquals(expected, bytes[0..<space]), seq > lastSeq else { return nil }
        lastSeq = seq
        return Data(signed[(seqEnd + 1)...])
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Unpadded base64url, as bytes (this runs for every frame: no String round trips).
    private static func base64URL(_ digest: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(44)
        var bits: UInt32 = 0
        var count = 0
        for byte in digest {
            bits = bits << 8 | UInt32(byte)
            count += 8
            while count >= 6 {
                count -= 6
                out.append(alphabet[Int(bits >> UInt32(count) & 0x3F)])
            }
        }
        if count > 0 { out.append(alphabet[Int(bits << UInt32(6 - count) & 0x3F)]) }
        return out
    }

    /// What the host would write for `json` as frame `seq` (for tests).
    package func seal(_ json: String, seq: UInt64) -> String {
        let signed = "\(seq) \(json)"
        return TokenHasher.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: key))) + " " + signed
    }
}
