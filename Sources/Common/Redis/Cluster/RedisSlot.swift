/// Redis Cluster's key-to-slot rule: CRC16 (XMODEM) of the key modulo 16384, where a key
/// holding a non-empty `{…}` hashes only what is inside its first such pair (the hash
/// tag), so keys sharing a tag share a slot.
package enum RedisSlot {
    /// How many slots a Redis Cluster has.
    package static let count = 16384

    /// The slot of `key`.
    package static func of(_ key: String) -> Int {
        let bytes = Array(key.utf8)
        return Int(crc16(hashedPart(bytes)) % UInt16(count))
    }

    /// The bytes the slot is computed from: the tag when the key has a non-empty one.
    static func hashedPart(_ key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
              let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
              close > open + 1 else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as Redis computes it.
    static func crc16<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(((crc >> 8) ^ UInt16(byte)) & 0xFF)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { n -> UInt16 in
        var crc = UInt16(n) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    /// The one slot every key of `command` hashes to: nil for a command without keys; a
    /// `CROSSSLOT` error (what Redis Cluster answers) when its keys span slots; an error
    /// for a command the routing table does not know.
    package static func of(command: [String]) throws -> Int? {
        let keys = try RedisCommandKeys.keys(of: command)
        guard let first = keys.first else { return nil }
        let slot = of(first)
        for key in keys.dropFirst() where of(key) != slot {
            throw RedisError.crossSlot(command: command.first ?? "", keys: keys)
        }
        return slot
    }

    /// In debug builds (every test), refuses a command whose keys span slots even on a
    /// single Redis, so a script or multi-key command that would fail on a cluster fails
    /// the tests that run it. Commands the routing table does not know pass here (tests
    /// send their own); on a cluster they are refused.
    @inline(__always)
    package static func debugCheck(_ commands: [[String]]) throws {
        #if DEBUG
        for command in commands where RedisCommandKeys.isKnown(command) { _ = try of(command: command) }
        #endif
    }
}

extension RedisError {
    /// What Redis Cluster answers a command whose keys are in different slots.
    static func crossSlot(command: String, keys: [String]) -> RedisError {
        RedisError(kind: .server, message: "CROSSSLOT Keys in request don't hash to the same slot (\(command.uppercased()) \(keys.joined(separator: " ")))")
    }
}
