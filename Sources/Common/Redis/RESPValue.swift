/// A reply from Redis.
package enum RESPValue: Sendable, Equatable {
    case null
    case integer(Int)
    case string(String)
    case array([RESPValue])

    package var string: String? { if case .string(let s) = self { return s }; return nil }
    package var integer: Int? {
        switch self {
        case .integer(let i): return i
        case .string(let s): return Int(s)
        default: return nil
        }
    }
    package var array: [RESPValue]? { if case .array(let a) = self { return a }; return nil }
    package var isNull: Bool { self == .null }
}

/// An error from Redis or from the connection to it.
package struct RedisError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable { case connection, server }
    package var kind: Kind
    package var message: String
    /// For a server error in a pipeline: every reply (`.null` where a command failed) and
    /// the message of each failed command by position, so a cluster client can resend only
    /// the commands a node redirected.
    package var replies: [RESPValue] = []
    package var replyErrors: [Int: String] = [:]
    package var description: String { "redis \(kind): \(message)" }

    /// True for a server-side `NOGROUP` error (the stream or its consumer group is missing).
    package var isNoGroup: Bool { kind == .server && message.hasPrefix("NOGROUP") }
}
