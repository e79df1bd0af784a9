import Foundation
import Redis

/// A private redis-server on a free loopback port for one test.
package final class RedisServer: @unchecked Sendable {
    package let port: Int
    package private(set) var child: ChildProcess
    package let url: RedisURL
    private let directory: URL
    private let arguments: [String]

    /// A plain server: no password, database 0, `url` reaches it.
    package convenience init() async throws {
        try await self.init(arguments: { ["--port", "\($0)"] }, url: { .tcp(host: "127.0.0.1", port: $0) })
    }

    /// A server started with `arguments(port)` (which must make it listen on that port, e.g.
    /// `--requirepass`, `--user …`, `--port 0 --tls-port P …`); ready once `url(port)` answers
    /// PING through Junction's own connection.
    package init(arguments: (Int) -> [String], url: (Int) -> RedisURL) async throws {
        port = TestEnvironment.freePort()
        directory = TestEnvironment.temporaryDirectory()
        self.arguments = arguments(port)
        self.url = url(port)
        child = try Self.launch(arguments: self.arguments, directory: directory)
        try await waitUntilServing()
    }

    private static func launch(arguments: [String], directory: URL) throws -> ChildProcess {
        try ChildProcess(try TestEnvironment.redisServer(),
                         ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path] + arguments,
                         environment: [:], log: directory.appendingPathComponent("redis.log"))
    }

    private func waitUntilServing() async throws {
        let probe = RedisConnection(url: url)
        var last = ""
        for _ in 0..<200 {
            do {
                if try await probe.send(["PING"]) == .string("PONG") { probe.close(); return }
            } catch { last = "\(error)" }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError(message: "redis-server did not start (\(last)): \(child.log)")
    }

    package func stop() { child.kill(SIGKILL) }

    /// Starts the server again on the same port after `stop()`: without persistence, as a
    /// Redis restarted by its operator, it has none of the data it had.
    package func start() async throws {
        child = try Self.launch(arguments: arguments, directory: directory)
        try await waitUntilServing()
    }

    /// `stop()`, then `start()`: every client's socket is closed by the server.
    package func restart() async throws {
        stop()
        try await start()
    }

    deinit { child.kill(SIGKILL) }
}
