import Foundation
import Redis

/// A private redis-server on a free loopback port for one test.
package final class RedisServer: @unchecked Sendable {
    package let port: Int
    package let child: ChildProcess
    package let url: RedisURL

    /// A plain server: no password, database 0, `url` reaches it.
    package convenience init() async throws {
        try await self.init(arguments: { ["--port", "\($0)"] }, url: { .tcp(host: "127.0.0.1", port: $0) })
    }

    /// A server started with `arguments(port)` (which must make it listen on that port, e.g.
    /// `--requirepass`, `--user …`, `--port 0 --tls-port P …`); ready once `url(port)` answers
    /// PING through Junction's own connection.
    package init(arguments: (Int) -> [String], url: (Int) -> RedisURL) async throws {
        let path = try TestEnvironment.redisServer()
        port = TestEnvironment.freePort()
        let dir = TestEnvironment.temporaryDirectory()
        child = try ChildProcess(path, ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.path] + arguments(port),
                                 environment: [:], log: dir.appendingPathComponent("redis.log"))
        self.url = url(port)
        let probe = RedisConnection(url: self.url)
        var last = ""
        for _ in 0..<100 {
            do {
                if try await probe.send(["PING"]) == .string("PONG") { probe.close(); return }
            } catch { last = "\(error)" }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError(message: "redis-server did not start (\(last)): \(child.log)")
    }

    package func stop() { child.kill(SIGKILL) }
    deinit { child.kill(SIGKILL) }
}
