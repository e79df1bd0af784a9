import Crypto
import Foundation
import JunctionCore

/// The master keys that protect source secrets. One key is active for encryption;
/// older keys stay readable so the master key can be rotated without downtime.
/// Built from configuration by `Keyring(reader:)` in the Config target; its description names
/// the key ids only, never the keys.
package struct Keyring: Sendable, CustomStringConvertible {
    package let activeKeyID: String
    private let masterKeys: [String: Data]

    package init(activeKeyID: String, keys: [String: Data]) throws {
        guard keys[activeKeyID] != nil else {
            throw JunctionError("invalid_configuration", "no master key with id \(activeKeyID)")
        }
        for id in keys.keys where id.isEmpty || id.contains(".") || id.contains(":") {
            throw JunctionError("invalid_configuration", "master key id '\(id)' must be non-empty without '.' or ':'")
        }
        for (id, key) in keys where key.count != 32 {
            throw JunctionError("invalid_configuration", "master key \(id) must be 32 bytes")
        }
        self.activeKeyID = activeKeyID
        self.masterKeys = keys
    }

    package var description: String {
        "Keyring(active: \(activeKeyID), ids: \(masterKeys.keys.sorted().joined(separator: ", ")))"
    }

    /// A fresh random keyring (tests and first runs).
    package static func random(id: String = "k1") -> Keyring {
        try! Keyring(activeKeyID: id, keys: [id: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }])
    }

    /// The key for one purpose, derived from the master key with HKDF-SHA256 so that a
    /// master key is never used directly and purposes never share a key.
    func derivedKey(id: String, purpose: String) -> SymmetricKey? {
        guard let master = masterKeys[id] else { return nil }
        return HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: master), salt: Data("junction.v1".utf8),
                                      info: Data(purpose.utf8), outputByteCount: 32)
    }

    /// Key ids this keyring can decrypt.
    package var keyIDs: [String] { Array(masterKeys.keys).sorted() }
}
