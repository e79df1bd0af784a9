import Foundation
import Redis

/// A private redis-server on a free loopback port for one test.
package final class RedisServer: @unchecked Sendable {
    package let port: Int
    package let child: ChildProcess
    package let url: RedisURL

    package init() async throws {
        let path = try TestEnvironment.redisServer()
        port = TestEnvironment.freePort()
        let dir = TestEnvironment.temporaryDirectory()
        child = try ChildProcess(path, ["--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no", "--dir", dir.path],
                                 environment: [:], log: dir.appendingPathComponent("redis.log"))
        url = .tcp(host: "127.0.0.1", port: port, database: 0)
        let probe = RedisConnection(url: url)
        for _ in 0..<100 {
            if (try? await probe.send(["PING"])) == .string("PONG") { probe.close(); return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError(message: "redis-server did not start: \(child.log)")
    }

    package func stop() { child.kill(SIGKILL) }
    deinit { child.kill(SIGKILL) }
}
