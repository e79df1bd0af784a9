import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Locates the real programs the tests run: redis-server, deno and Junction's own binaries.
package enum TestEnvironment {
    package static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    package static func executable(env: String, names: [String], extra: [String] = []) throws -> String {
        if let path = ProcessInfo.processInfo.environment[env], FileManager.default.isExecutableFile(atPath: path) { return path }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + extra
        for dir in dirs { for name in names where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" } }
        throw TestSetupError(message: "\(names[0]) not found; set \(env) (ops/test does)")
    }

    package static func redisServer() throws -> String {
        try executable(env: "JUNCTION_TEST_REDIS_SERVER", names: ["redis-server"], extra: ["/usr/bin", "/usr/local/bin"])
    }

    package static func deno() throws -> String {
        try executable(env: "JUNCTION_TEST_DENO", names: ["deno"], extra: [repoRoot.appendingPathComponent(".venv/bin").path])
    }

    /// The directory holding `junction-worker` etc. (the same build as the tests).
    package static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["JUNCTION_TEST_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("debug").resolvingSymlinksInPath()
    }

    package static func binary(_ name: String) -> String {
        for dir in [binDirectory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                    repoRoot.appendingPathComponent(".build/debug")] {
            let path = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return repoRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    package static var sandboxScript: String {
        repoRoot.appendingPathComponent("Sources/Worker/Sandbox/sandbox-host.js").path
    }

    /// A TCP port nobody listens on right now.
    package static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    package static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("junction-test-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A child process that is killed when the test ends.
package final class ChildProcess: @unchecked Sendable {
    package let process = Process()
    package let logURL: URL

    package init(_ path: String, _ arguments: [String], environment: [String: String], log: URL) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        logURL = log
        try process.run()
    }

    package var pid: Int32 { process.processIdentifier }

    package func kill(_ signal: Int32 = SIGKILL) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    package var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    deinit { if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) } }
}

/// A missing prerequisite: the test fails (it is never silently skipped).
package struct TestSetupError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }

    package init(message: String) { self.message = message }
}
