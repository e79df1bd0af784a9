import Crypto
import Foundation
import JunctionCore

/// Seals and opens secrets with AES-256-GCM. The sealed text names the key it was
/// sealed under (`v1.<keyID>.<base64 nonce|ciphertext|tag>`), and the caller's
/// associated data (owner and source) is authenticated, so a ciphertext copied onto
/// another owner's or source's row does not open.
package struct SecretBox: Sendable {
    package let keyring: Keyring
    private let purpose: String

    package init(keyring: Keyring, purpose: String = "source-secret") {
        self.keyring = keyring
        self.purpose = purpose
    }

    /// The associated data binding a source secret to its owner and source.
    package static func sourceContext(owner: String, sourceID: String) -> Data {
        Data("junction/source-secret/v1|owner=\(owner)|source=\(sourceID)".utf8)
    }

    package func seal(_ plaintext: String, context: Data) throws -> String {
        guard let key = keyring.derivedKey(id: keyring.activeKeyID, purpose: purpose) else {
            throw JunctionError("crypto_error", "active key missing")
        }
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: context)
        guard let combined = box.combined else { throw JunctionError("crypto_error", "cannot encode sealed box") }
        return "v1.\(keyring.activeKeyID).\(combined.base64EncodedString())"
    }

    package func open(_ sealed: String, context: Data) throws -> String {
        let parts = sealed.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "v1", let data = Data(base64Encoded: parts[2]) else {
            throw JunctionError("crypto_error", "sealed secret is malformed")
        }
        guard let key = keyring.derivedKey(id: parts[1], purpose: purpose) else {
            throw JunctionError("crypto_error", "sealed with unknown key id \(parts[1])")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: context), as: UTF8.self)
        } catch {
            throw JunctionError("crypto_error", "secret failed authentication (tampered, or bound to another owner or source)")
        }
    }

    /// The key id a sealed secret was sealed under.
    package static func keyID(of sealed: String) -> String? {
        let parts = sealed.split(separator: ".", maxSplits: 2)
        return parts.count == 3 ? String(parts[1]) : nil
    }

    /// Re-seals under the active key (master key rotation); unchanged when already current.
    package func reseal(_ sealed: String, context: Data) throws -> String {
        if Self.keyID(of: sealed) == keyring.activeKeyID { return sealed }
        return try seal(try open(sealed, context: context), context: context)
    }
}
