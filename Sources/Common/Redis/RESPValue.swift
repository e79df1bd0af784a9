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

/// An error from Redis or from the connection to it. Never carries a password: errors of
/// the sign-in (`RedisHandshake`) are made without it.
package struct RedisError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable { case connection, server }
    package var kind: Kind
    package var message: String
    /// `queue_unauthorized` when Redis refused the credentials or asked for them
    /// (`WRONGPASS`, `NOAUTH`), `queue_tls_failed` when the TLS handshake failed, else
    /// `queue_unavailable` (connection) or `queue_error` (any other reply error).
    package var code: String
    /// For a server error in a pipeline: every reply (`.null` where a command failed) and
    /// the message of each failed command by position, so a cluster client can resend only
    /// the commands a node redirected.
    package var replies: [RESPValue] = []
    package var replyErrors: [Int: String] = [:]
    package var description: String { "redis \(kind): \(message)" }

    package init(kind: Kind, message: String, code: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code ?? Self.code(kind: kind, message: message)
    }

    private static func code(kind: Kind, message: String) -> String {
        switch kind {
        case .connection: return "queue_unavailable"
        case .server: return message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") ? "queue_unauthorized" : "queue_error"
        }
    }

    /// True when Redis refused or asked for credentials.
    package var isUnauthorized: Bool { code == "queue_unauthorized" }

    /// True for a server-side `NOGROUP` error (the stream or its consumer group is missing).
    package var isNoGroup: Bool { kind == .server && message.hasPrefix("NOGROUP") }
}
