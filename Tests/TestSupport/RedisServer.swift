import Foundation
import Redis

/// A private redis-server on a free loopback port for one test.
package final class RedisServer: @unchecked Sendable {
    package let port: Int
    package private(set) var child: ChildProcess
    package let url: RedisURL
    private let directory: URL

    package init() async throws {
        port = TestEnvironment.freePort()
        directory = TestEnvironment.temporaryDirectory()
        url = .tcp(host: "127.0.0.1", port: port, database: 0)
        child = try Self.launch(port: port, directory: directory)
        try await waitUntilServing()
    }

    private static func launch(port: Int, directory: URL) throws -> ChildProcess {
        try ChildProcess(try TestEnvironment.redisServer(),
                         ["--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no", "--dir", directory.path],
                         environment: [:], log: directory.appendingPathComponent("redis.log"))
    }

    private func waitUntilServing() async throws {
        let probe = RedisConnection(url: url)
        for _ in 0..<200 {
            if (try? await probe.send(["PING"])) == .string("PONG") { probe.close(); return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError(message: "redis-server did not start: \(child.log)")
    }

    package func stop() { child.kill(SIGKILL) }

    /// Starts the server again on the same port after `stop()`: without persistence, as a
    /// Redis restarted by its operator, it has none of the data it had.
    package func start() async throws {
        child = try Self.launch(port: port, directory: directory)
        try await waitUntilServing()
    }

    /// `stop()`, then `start()`: every client's socket is closed by the server.
    package func restart() async throws {
        stop()
        try await start()
    }

    deinit { child.kill(SIGKILL) }
}
