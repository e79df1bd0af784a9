import Foundation

/// What a connection says before any caller's command, on every connect and reconnect:
/// `AUTH [user] password` when the URL has credentials, then `SELECT db` when the database
/// is not 0, in one round trip. A refusal closes the connection (the caller does that) and
/// becomes an error that says what went wrong without the password.
enum RedisHandshake {
    /// The commands to send first; empty for a URL without credentials on database 0.
    static func commands(for url: RedisURL) -> [[String]] {
        var commands: [[String]] = []
        if let password = url.password {
            commands.append(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if url.database != 0 { commands.append(["SELECT", String(url.database)]) }
        return commands
    }

    /// The error to surface when the handshake failed with `error`. Redis does not echo
    /// passwords in its errors; the password is still scrubbed from the text, in case.
    static func failure(_ error: RedisError, url: RedisURL) -> RedisError {
        guard error.kind == .server else { return error }
        let reply = scrub(error.message, url: url)
        let who = url.user.map { "user '\($0)'" } ?? "the default user"
        if reply.hasPrefix("WRONGPASS") || reply.hasPrefix("ERR invalid password") {
            return RedisError(kind: .connection, message: "Redis refused the password for \(who) of REDIS_URL (\(reply))",
                              code: "queue_unauthorized")
        }
        if reply.hasPrefix("ERR AUTH") || reply.hasPrefix("ERR Client sent AUTH") {
            return RedisError(kind: .connection,
                              message: "Redis refused the password of REDIS_URL: the server has no password set for \(who) (\(reply))",
                              code: "queue_unauthorized")
        }
        if reply.hasPrefix("NOAUTH") {
            return RedisError(kind: .connection,
                              message: "Redis requires a password: give it in REDIS_URL (redis://:password@host or redis://user:password@host)",
                              code: "queue_unauthorized")
        }
        return RedisError(kind: .connection, message: "Redis refused the connection's set-up (SELECT \(url.database)): \(reply)")
    }

    private static func scrub(_ text: String, url: RedisURL) -> String {
        guard let password = url.password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }
}
