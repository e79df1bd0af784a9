import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small Python server a test starts on a free loopback port. The script defines its
/// handler and ends with `serve(server)`, a function this type puts in front of it: it
/// writes the port the server bound to the file named by the first argument (write, then
/// rename), exits when the test process does, and serves.
package final class ScriptServer: @unchecked Sendable {
    /// What every script may call: `serve(server)`.
    private static let prelude = #"""
import os, sys, threading, time
def serve(server):
    parent = os.getppid()
    def watch():
        while os.getppid() == parent: time.sleep(0.2)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()  # exit with the test process
    open(sys.argv[1] + ".tmp", "w").write(str(server.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()

"""#

    package let process: Process
    package let port: Int

    package init(script: String) async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("junction-server-\(UUID().uuidString)").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.prelude + script, portFile]
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
