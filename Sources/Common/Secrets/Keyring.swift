import Crypto
import Foundation
import JunctionCore

/// The master keys that protect source secrets. One key is active for encryption;
/// older keys stay readable so the master key can be rotated without downtime.
package struct Keyring: Sendable {
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

    /// Reads `JUNCTION_MASTER_KEY` (or `JUNCTION_MASTER_KEY_FILE`), `JUNCTION_MASTER_KEY_ID`
    /// and `JUNCTION_OLD_MASTER_KEYS`.
    package init(environment env: Environment) throws {
        var encoded = env.string("JUNCTION_MASTER_KEY")
        if encoded == nil, let file = env.string("JUNCTION_MASTER_KEY_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw JunctionError("invalid_configuration", "cannot read JUNCTION_MASTER_KEY_FILE \(file)")
            }
            encoded = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let encoded else {
            throw JunctionError("invalid_configuration",
                                "JUNCTION_MASTER_KEY is not set: generate one with `openssl rand -base64 32`")
        }
        let activeID = env.string("JUNCTION_MASTER_KEY_ID", default: "k1")
        var keys = [activeID: try Self.decodeKey(encoded, name: "JUNCTION_MASTER_KEY")]
        for item in (env.string("JUNCTION_OLD_MASTER_KEYS") ?? "").split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw JunctionError("invalid_configuration", "JUNCTION_OLD_MASTER_KEYS entries must be id:base64")
            }
            keys[parts[0]] = try Self.decodeKey(parts[1], name: "JUNCTION_OLD_MASTER_KEYS[\(parts[0])]")
        }
        try self.init(activeKeyID: activeID, keys: keys)
    }

    private static func decodeKey(_ text: String, name: String) throws -> Data {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw JunctionError("invalid_configuration", "\(name) must be base64 of exactly 32 bytes")
        }
        return data
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
