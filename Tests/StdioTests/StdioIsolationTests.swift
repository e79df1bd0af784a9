import Foundation
import JunctionCore
import Stdio
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A hostile stdio server in a real bubblewrap sandbox: what it must not reach.
final class StdioIsolationTests: XCTestCase {
    private var fixture: StdioFixture!
    private var manager: StdioInstanceManager!

    override func setUp() async throws {
        fixture = try StdioFixture()
        manager = fixture.manager()
    }

    override func tearDown() async throws {
        await fixture.cleanUp()
    }

    func testAnInstanceCannotReadAnotherUsersFolder() async throws {
        let wrote = try await StdioFixture.probe(manager, owner: "alice", "write", "/data/diary.txt=alice-private")
        XCTAssertEqual(wrote, "WROTE")
        let aliceHost = try StdioDataFolder.path(root: fixture.dataRoot, owner: "alice", sourceID: "src1")
        XCTAssertEqual(try String(contentsOfFile: aliceHost + "/diary.txt", encoding: .utf8), "alice-private")
        // Bob's instance: by Alice's host path, through /data/.., and by listing the root.
        for path in [aliceHost + "/diary.txt", "/data/../alice/src1/diary.txt", "/data/../../alice/src1/diary.txt"] {
            let read = try await StdioFixture.probe(manager, owner: "bob", "read", path)
            XCTAssertTrue(read.hasPrefix("FAILED"), "\(path): \(read)")
        }
        for folder in [fixture.dataRoot, "/data/..", (fixture.dataRoot as NSString).deletingLastPathComponent] {
            let listed = try await StdioFixture.probe(manager, owner: "bob", "list", folder)
            XCTAssertFalse(listed.contains("alice"), "\(folder): \(listed)")
        }
        let bobsOwn = try await StdioFixture.probe(manager, owner: "bob", "list", "/data")
        XCTAssertEqual(bobsOwn, "LIST ")
    }

    func testAnInstanceCannotReachTheNetworkUnlessDeclared() async throws {
        // A listener on the host's loopback, and a public address.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let port = TestEnvironment.freePort()
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(listen(listener, 4), 0)
        for target in ["127.0.0.1:\(port)", "1.1.1.1:53", "10.0.0.1:80"] {
            let answer = try await StdioFixture.probe(manager, owner: "mallory", "connect", target)
            XCTAssertTrue(answer.hasPrefix("FAILED"), "\(target): \(answer)")
        }
        // Declared with the network, the same instance code reaches the host's listener.
        let allowed = try await StdioFixture.probe(manager, owner: "mallory", server: "probe-net", "connect", "127.0.0.1:\(port)")
        XCTAssertEqual(allowed, "CONNECTED")
    }

    func testAnInstanceSeesNoneOfJunctionsEnvironmentKeysOrDatabase() async throws {
        setenv("JUNCTION_MASTER_KEY", StdioFixture.probeSecret, 1)
        setenv("REDIS_URL", "redis://:\(StdioFixture.probeSecret)@127.0.0.1:1", 1)
        defer { unsetenv("JUNCTION_MASTER_KEY"); unsetenv("REDIS_URL") }
        let environ = try await StdioFixture.probe(manager, owner: "mallory", "environ", secrets: ["PROBE_TOKEN": "users-own-token"])
        XCTAssertFalse(environ.contains(StdioFixture.probeSecret))
        XCTAssertFalse(environ.contains("JUNCTION_"))
        XCTAssertTrue(environ.contains("\"PROBE_TOKEN\": \"users-own-token\""), "the user's own secret arrives: \(environ)")
        XCTAssertTrue(environ.contains("\"WHERE\": \"/data\""))
        let all = try await StdioFixture.probe(manager, owner: "mallory", "allenviron", secrets: ["PROBE_TOKEN": "users-own-token"])
        XCTAssertFalse(all.contains(StdioFixture.probeSecret), all)
        XCTAssertFalse(all.contains("JUNCTION_"), all)
        // The master key file and the data folder (where SQLite lives) by their host paths.
        for path in [fixture.junctionData.appendingPathComponent("master.key").path, "/proc/1/root" + fixture.junctionData.path + "/master.key",
                     TestEnvironment.repoRoot.appendingPathComponent(".data/master.key").path, "/etc/shadow", "/root/.bash_history"] {
            let read = try await StdioFixture.probe(manager, owner: "mallory", "read", path, secrets: ["PROBE_TOKEN": "users-own-token"])
            XCTAssertTrue(read.hasPrefix("FAILED"), "\(path): \(read)")
        }
        // Only mount points of what is bound: no /home or /var, and of the repository only the venv.
        let listed = try await StdioFixture.probe(manager, owner: "mallory", "list", "/", secrets: ["PROBE_TOKEN": "users-own-token"])
        XCTAssertFalse(listed.contains("home") || listed.contains("var") || listed.contains("srv"), listed)
        let repository = try await StdioFixture.probe(manager, owner: "mallory", "list", TestEnvironment.repoRoot.path,
                                                      secrets: ["PROBE_TOKEN": "users-own-token"])
        XCTAssertEqual(repository, "LIST .venv-mcp1")
    }

    func testTheSystemIsReadOnlyAndTheDataFolderCannotBeEscaped() async throws {
        for path in ["/usr/x", "/etc/x", "/data/../escape", "/escape", fixture.probeFolder.path + "/x"] {
            let answer = try await StdioFixture.probe(manager, owner: "mallory", "write", path + "=x")
            XCTAssertTrue(answer.hasPrefix("FAILED"), "\(path): \(answer)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.dataRoot + "/mallory/escape"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.probeFolder.path + "/x"))
        let who = try await StdioFixture.probe(manager, owner: "mallory", "whoami")
        XCTAssertTrue(who.hasSuffix("UID 65534"), who)
    }

    func testMemoryAndProcessCountAreLimited() async throws {
        let small = fixture.manager(limits: StdioLimits(memoryMB: 512, cpuSeconds: 60, processes: 24, openFiles: 64))
        let alloc = try await StdioFixture.probe(small, owner: "mallory", "alloc", "900")
        XCTAssertTrue(alloc.hasPrefix("FAILED MemoryError"), alloc)
        try XCTSkipIf(StdioPidsCgroup.defaultRoot() == nil, "no writable pids cgroup on this machine")
        let forked = try await StdioFixture.probe(small, owner: "mallory", "fork", "60")
        XCTAssertTrue(forked.hasPrefix("FORKFAILED"), forked)
    }
}
