import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small Python server a test starts on a free loopback port. The script gets a file
/// path as its first argument and writes the port it bound there (write then rename);
/// it should exit when its parent does.
package final class ScriptServer: @unchecked Sendable {
    package let process: Process
    package let port: Int

    package init(script: String) async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("junction-server-\(UUID().uuidString)").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, portFile]
        try process.run()
        var port = 0
        for _ in 0..<200 where port == 0 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) { port = Int(text) ?? 0 } else { try await Task.sleep(for: .milliseconds(25)) }
        }
        try? FileManager.default.removeItem(atPath: portFile)
        self.port = port
        if port == 0 {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the test server did not start"])
        }
    }

    /// No waitUntilExit: it spins a run loop that never returns inside an async test on Linux.
    package func stop() {
        kill(process.processIdentifier, SIGKILL)
    }
}
