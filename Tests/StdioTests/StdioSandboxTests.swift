import Foundation
import JunctionCore
import Stdio
import XCTest

/// The sandbox command as a pure value: what it binds, what it hides, where secrets go.
final class StdioSandboxTests: XCTestCase {
    private let sqlite = StdioServerDeclaration(name: "sqlite", command: "/opt/venv/bin/mcp-server-sqlite",
                                                args: ["--db-path", "{data}/notes.db"], env: ["STORE": "{data}/x"],
                                                secrets: ["API_KEY"])

    private func pairs(_ args: [String], flag: String) -> [(String, String)] {
        var out: [(String, String)] = []
        var i = 0
        while i < args.count {
            if args[i] == flag, i + 2 < args.count { out.append((args[i + 1], args[i + 2])); i += 3 } else { i += 1 }
        }
        return out
    }

    func testOnlyTheUsersOwnFolderIsWritableAndDataExpandsInsideTheSandbox() {
        let sandbox = StdioSandbox(server: sqlite, dataFolder: "/srv/stdio/u1/s1")
        let args = sandbox.arguments
        XCTAssertEqual(pairs(args, flag: "--bind").map { "\($0.0)>\($0.1)" }, ["/srv/stdio/u1/s1>/data"])
        XCTAssertFalse(args.contains("--bind-try"))
        XCTAssertEqual(Array(args.suffix(3)), ["/opt/venv/bin/mcp-server-sqlite", "--db-path", "/data/notes.db"])
        XCTAssertTrue(sandbox.environment.contains("STORE=/data/x"))
        XCTAssertTrue(sandbox.environment.contains("HOME=/data"))
    }

    func testTheHostIsHiddenExceptTheSystemReadOnly() {
        let args = StdioSandbox(server: sqlite, dataFolder: "/srv/stdio/u1/s1", installationPaths: ["/opt/venv"]).arguments
        let readOnly = pairs(args, flag: "--ro-bind-try").map(\.0) + pairs(args, flag: "--ro-bind").map(\.0)
        // Never the root, /etc as a whole, home folders, /var, /work or the data root.
        for hidden in ["/", "/etc", "/root", "/home", "/var", "/work", "/srv", "/srv/stdio", "/proc", "/sys"] {
            XCTAssertFalse(readOnly.contains(hidden), hidden)
        }
        XCTAssertTrue(readOnly.contains("/usr"))
        XCTAssertTrue(readOnly.contains("/opt/venv"))
        XCTAssertFalse(readOnly.contains("/etc/shadow"))
        XCTAssertTrue(args.contains("--unshare-all") && args.contains("--unshare-user"))
        XCTAssertEqual(args[args.firstIndex(of: "--cap-drop")! + 1], "ALL")
        XCTAssertTrue(args.contains("--die-with-parent") && args.contains("--new-session"))
        // The root (bwrap's tmpfs of mount points) is remounted read-only after every bind.
        let remount = try! XCTUnwrap(args.firstIndex(of: "--remount-ro"))
        XCTAssertEqual(args[remount + 1], "/")
        XCTAssertGreaterThan(remount, args.lastIndex(of: "--bind")!)
    }

    func testNoNetworkUnlessDeclared() {
        var server = sqlite
        XCTAssertFalse(StdioSandbox(server: server, dataFolder: "/d").arguments.contains("--share-net"))
        XCTAssertFalse(StdioSandbox(server: server, dataFolder: "/d").arguments.contains("/etc/resolv.conf"))
        server.network = true
        XCTAssertTrue(StdioSandbox(server: server, dataFolder: "/d").arguments.contains("--share-net"))
        XCTAssertTrue(StdioSandbox(server: server, dataFolder: "/d").arguments.contains("/etc/resolv.conf"))
    }

    func testSecretsGoToTheEnvironmentNeverTheCommandLine() {
        let sandbox = StdioSandbox(server: sqlite, dataFolder: "/d", secrets: ["API_KEY": "s3cr3t", "OTHER": "nope"])
        XCTAssertFalse(sandbox.arguments.joined(separator: " ").contains("s3cr3t"))
        XCTAssertTrue(sandbox.environment.contains("API_KEY=s3cr3t"))
        // Only declared secrets are passed.
        XCTAssertFalse(sandbox.environment.contains { $0.hasPrefix("OTHER=") })
        // Nothing of this process's environment.
        XCTAssertFalse(sandbox.environment.contains { $0.hasPrefix("JUNCTION_") || $0.hasPrefix("REDIS_URL") })
    }

    func testLimitsAndTheProcessCgroup() {
        let limits = StdioLimits(memoryMB: 256, cpuSeconds: 30, processes: 16, openFiles: 64)
        let plain = StdioSandbox(server: sqlite, dataFolder: "/d", limits: limits).arguments
        XCTAssertEqual(plain.first, "/usr/bin/prlimit")
        XCTAssertTrue(plain.contains("--as=\(256 * 1024 * 1024)"))
        XCTAssertTrue(plain.contains("--cpu=30") && plain.contains("--nofile=64") && plain.contains("--core=0"))
        let grouped = StdioSandbox(server: sqlite, dataFolder: "/d", limits: limits, pidsCgroup: "/sys/fs/cgroup/pids/j/x").arguments
        XCTAssertEqual(Array(grouped.prefix(4)), ["/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", "/sys/fs/cgroup/pids/j/x"])
        XCTAssertEqual(grouped[4], "/usr/bin/prlimit")
    }

    func testDataFoldersRefuseOddIDs() throws {
        XCTAssertEqual(try StdioDataFolder.path(root: "/srv/stdio", owner: "u-1", sourceID: "s_2"), "/srv/stdio/u-1/s_2")
        for bad in ["..", ".", "../u2", "a/b", "", "u2/../../etc", "x\0y", "é", String(repeating: "a", count: 200)] {
            XCTAssertThrowsError(try StdioDataFolder.path(root: "/srv/stdio", owner: bad, sourceID: "s"), bad)
            XCTAssertThrowsError(try StdioDataFolder.path(root: "/srv/stdio", owner: "u", sourceID: bad), bad)
        }
        XCTAssertThrowsError(try StdioDataFolder.path(root: "relative", owner: "u", sourceID: "s"))
    }

    func testTheServersFileIsChecked() throws {
        let good = #"{"servers":[{"name":"time","command":"/usr/bin/python3","args":["-m","x"],"secrets":["K"],"network":true}]}"#
        let list = try StdioServerList.parse(Data(good.utf8))
        XCTAssertEqual(list.servers.first?.secrets, ["K"])
        XCTAssertEqual(list.servers.first?.network, true)
        XCTAssertEqual(try list.server(named: "time").command, "/usr/bin/python3")
        XCTAssertThrowsError(try list.server(named: "git")) { error in
            XCTAssertEqual((error as? any CodedError)?.code, "stdio_server_unknown")
            XCTAssertEqual((error as? any CodedError)?.status, 400)
        }
        for bad in [#"{}"#, #"{"servers":[{"name":"a b","command":"/x"}]}"#, #"{"servers":[{"name":"a","command":"x"}]}"#,
                    #"{"servers":[{"name":"a","command":"/x","secrets":["BAD-NAME"]}]}"#,
                    #"{"servers":[{"name":"a","command":"/x"},{"name":"a","command":"/y"}]}"#,
                    #"{"servers":[{"name":"..","command":"/x"}]}"#] {
            XCTAssertThrowsError(try StdioServerList.parse(Data(bad.utf8)), bad)
        }
    }
}
