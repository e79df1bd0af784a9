import Crypto
import Foundation
import Secrets

/// A Lua script run by its SHA1 (`EVALSHA`), so its text goes over the wire only when
/// the server does not have it cached (first use, or after a restart or `SCRIPT FLUSH`).
package struct RedisScript: Sendable {
    package let source: String
    package let sha: String

    package init(_ source: String) {
        self.source = source
        self.sha = TokenHasher.hex(Insecure.SHA1.hash(data: Data(source.utf8)))
    }

    /// Runs the script with `keys` and `args`.
    @discardableResult
    package func run(on redis: RedisClient, keys: [String], args: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + args
        do {
            return try await redis.send(["EVALSHA", sha] + tail)
        } catch let error as RedisError where error.kind == .server && error.message.hasPrefix("NOSCRIPT") {
            return try await redis.send(["EVAL", source] + tail)
        }
    }
}
