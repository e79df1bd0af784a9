import Foundation
import JunctionCore
import Logging
import Stdio
import TestSupport
import XCTest

/// Real sandboxed instances for the tests: the PyPI servers of `.venv-mcp1`
/// (mcp-server-time, mcp-server-sqlite, mcp-server-git) and a probe, a tiny stdio MCP
/// server whose one tool tries what a hostile server would (read, connect, fork, …).
final class StdioFixture: @unchecked Sendable {
    let root: URL
    /// Stands for `JUNCTION_DATA_DIR`: holds a master key file and the stdio data root.
    let junctionData: URL
    let dataRoot: String
    let probeFolder: URL

    static let venvBin = TestEnvironment.repoRoot.appendingPathComponent(".venv-mcp1/bin").path
    static let probeSecret = "canary-\(UUID().uuidString)"

    init() throws {
        root = TestEnvironment.temporaryDirectory()
        junctionData = root.appendingPathComponent("data")
        probeFolder = root.appendingPathComponent("probe")
        dataRoot = junctionData.appendingPathComponent("stdio").path
        try FileManager.default.createDirectory(at: junctionData, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: probeFolder, withIntermediateDirectories: true)
        try Data(Self.probeSecret.utf8).write(to: junctionData.appendingPathComponent("master.key"))
        try Data(Self.probeScript.utf8).write(to: probeFolder.appendingPathComponent("probe.py"))
    }

    private var managers: [StdioInstanceManager] = []

    /// Stops every instance the tests' managers started, then removes the folders.
    func cleanUp() async {
        for manager in managers { await manager.stopAll() }
        try? FileManager.default.removeItem(at: root)
    }

    var servers: StdioServerList {
        StdioServerList(servers: [
            StdioServerDeclaration(name: "time", command: Self.venvBin + "/mcp-server-time"),
            StdioServerDeclaration(name: "sqlite", command: Self.venvBin + "/mcp-server-sqlite", args: ["--db-path", "{data}/notes.db"]),
            StdioServerDeclaration(name: "git", command: Self.venvBin + "/mcp-server-git"),
            StdioServerDeclaration(name: "git-pinned", command: Self.venvBin + "/mcp-server-git", args: ["--repository", "{data}/missing"]),
            StdioServerDeclaration(name: "probe", command: Self.venvBin + "/python", args: [probeFolder.path + "/probe.py"],
                                   env: ["WHERE": "{data}"], secrets: ["PROBE_TOKEN"], readOnlyPaths: [probeFolder.path]),
            StdioServerDeclaration(name: "probe-net", command: Self.venvBin + "/python", args: [probeFolder.path + "/probe.py"],
                                   network: true, readOnlyPaths: [probeFolder.path]),
            StdioServerDeclaration(name: "dies", command: "/bin/sh", args: ["-c", "echo 'fatal: no config at {data}/conf' >&2; exit 3"]),
            StdioServerDeclaration(name: "mute", command: "/bin/sh", args: ["-c", "echo starting >&2; exec sleep 60"]),
        ])
    }

    func manager(idle: Duration = .seconds(60), limits: StdioLimits = StdioLimits(), lease: StdioLease? = nil,
                 startTimeout: Duration = .seconds(30), leaseWait: Duration = .seconds(10)) -> StdioInstanceManager {
        var logger = Logger(label: "stdio-test")
        logger.logLevel = .warning
        let manager = StdioInstanceManager(servers: servers, settings: .init(
            dataRoot: dataRoot, limits: limits, idleTimeout: idle, startTimeout: startTimeout, leaseWait: leaseWait,
            cgroupRoot: StdioPidsCgroup.defaultRoot()), lease: lease, logger: logger)
        managers.append(manager)
        return manager
    }

    /// Runs one probe action in `owner`'s instance and returns its text answer.
    static func probe(_ manager: StdioInstanceManager, owner: String, server: String = "probe", _ action: String, _ arg: String = "",
                      secrets: [String: String] = [:]) async throws -> String {
        let result = try await manager.callTool(.init(owner: owner, sourceID: "src1"), server: server, secrets: secrets, name: "probe",
                                                arguments: ["action": .string(action), "arg": .string(arg)], timeout: .seconds(30))
        return text(result)
    }

    static func text(_ result: JSONValue) -> String {
        (result["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
    }

    /// A stdio MCP server in plain Python (no SDK), one tool: `probe {action, arg}`.
    static let probeScript = #"""
    import json, os, socket, subprocess, sys, time

    def attempt(action, arg):
        try:
            if action == "read":
                with open(arg, "rb") as f:
                    return "READ " + f.read(200).decode("utf-8", "replace")
            if action == "write":
                path, _, text = arg.partition("=")
                with open(path, "w") as f:
                    f.write(text)
                return "WROTE"
            if action == "list":
                return "LIST " + ",".join(sorted(os.listdir(arg)))
            if action == "connect":
                host, port = arg.rsplit(":", 1)
                s = socket.create_connection((host, int(port)), timeout=3)
                s.close()
                return "CONNECTED"
            if action == "environ":
                return "ENV " + json.dumps(dict(os.environ))
            if action == "allenviron":
                out = []
                for pid in os.listdir("/proc"):
                    if pid.isdigit():
                        try:
                            out.append(open("/proc/%s/environ" % pid, "rb").read().decode("utf-8", "replace"))
                        except Exception as e:
                            out.append("ERR " + str(e))
                return "ALLENV " + " | ".join(out)
            if action == "fork":
                children = []
                try:
                    for _ in range(int(arg)):
                        children.append(subprocess.Popen(["/bin/sleep", "5"]))
                    return "FORKED %d" % len(children)
                except Exception as e:
                    return "FORKFAILED after %d: %s" % (len(children), e)
                finally:
                    for c in children:
                        c.kill()
            if action == "alloc":
                block = bytearray(int(arg) * 1024 * 1024)
                return "ALLOCATED %d" % len(block)
            if action == "crash":
                os._exit(7)
            if action == "sleep":
                time.sleep(float(arg))
                return "SLEPT"
            if action == "whoami":
                return "PID %d UID %d" % (os.getpid(), os.getuid())
            return "UNKNOWN"
        except BaseException as e:
            return "FAILED %s: %s" % (type(e).__name__, e)

    for line in sys.stdin:
        msg = json.loads(line)
        if "id" not in msg:
            continue
        method = msg.get("method")
        if method == "initialize":
            result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "probe", "version": "1"}}
        elif method == "tools/list":
            result = {"tools": [{"name": "probe", "inputSchema": {"type": "object"}}]}
        elif method == "tools/call":
            args = msg["params"]["arguments"]
            result = {"content": [{"type": "text", "text": attempt(args.get("action"), args.get("arg", ""))}]}
        else:
            result = {}
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}) + "\n")
        sys.stdout.flush()
    """#
}
