import Configuration
import Foundation
import Secrets

extension Keyring {
    /// Reads `JUNCTION_MASTER_KEY` (or the file named by `JUNCTION_MASTER_KEY_FILE`),
    /// `JUNCTION_MASTER_KEY_ID` and `JUNCTION_OLD_MASTER_KEYS`, all of them every time.
    package init(reader: ConfigReader) throws {
        let inline = reader.string(.masterKey)
        let file = reader.string(.masterKeyFile)
        let activeID = reader.string(.masterKeyID, default: "k1")
        let old = reader.string(.oldMasterKeys)
        var encoded = inline
        if encoded == nil, let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(.masterKeyFile, "cannot read JUNCTION_MASTER_KEY_FILE \(file)")
            }
            encoded = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let encoded else {
            throw ConfigurationError(.masterKey, "JUNCTION_MASTER_KEY is not set: generate one with `openssl rand -base64 32`")
        }
        var keys = [activeID: try Self.decodeKey(encoded, key: .masterKey, name: "JUNCTION_MASTER_KEY")]
        for item in (old ?? "").split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw ConfigurationError(.oldMasterKeys, "JUNCTION_OLD_MASTER_KEYS entries must be id:base64")
            }
            keys[parts[0]] = try Self.decodeKey(parts[1], key: .oldMasterKeys, name: "JUNCTION_OLD_MASTER_KEYS[\(parts[0])]")
        }
        try self.init(activeKeyID: activeID, keys: keys)
    }

    private static func decodeKey(_ text: String, key: ConfigurationKey, name: String) throws -> Data {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw ConfigurationError(key, "\(name) must be base64 of exactly 32 bytes")
        }
        return data
    }
}
