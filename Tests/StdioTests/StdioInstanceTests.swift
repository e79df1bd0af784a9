import Foundation
import JunctionCore
import Redis
import Stdio
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Real PyPI stdio servers, each user's instance in its own sandbox: data kept apart,
/// instances restarted after a crash and stopped when idle, clear start-up errors, and the
/// lease that keeps one user's instance on one host.
final class StdioInstanceTests: XCTestCase {
    private var fixture: StdioFixture!

    override func setUp() async throws {
        fixture = try StdioFixture()
    }

    override func tearDown() async throws {
        await fixture.cleanUp()
    }

    private func key(_ owner: String, _ source: String = "src1") -> StdioInstanceManager.Key { .init(owner: owner, sourceID: source) }

    func testTwoUsersWriteThroughTheirOwnSQLiteInstancesAndNeverSeeEachOthersData() async throws {
        let manager = fixture.manager()
        let tools = try await manager.listTools(key("alice"), server: "sqlite").compactMap { $0["name"]?.stringValue }
        XCTAssertTrue(tools.contains("write_query") && tools.contains("read_query"), "\(tools)")
        for (owner, note) in [("alice", "the plan of alice"), ("bob", "the secret of bob")] {
            _ = try await manager.callTool(key(owner), server: "sqlite", name: "create_table",
                                           arguments: ["query": "CREATE TABLE notes (text TEXT)"], timeout: .seconds(30))
            let inserted = try await manager.callTool(key(owner), server: "sqlite", name: "write_query",
                                                      arguments: ["query": .string("INSERT INTO notes VALUES ('\(note)')")], timeout: .seconds(30))
            XCTAssertNotEqual(inserted["isError"], .bool(true), StdioFixture.text(inserted))
        }
        let alice = StdioFixture.text(try await manager.callTool(key("alice"), server: "sqlite", name: "read_query",
                                                                 arguments: ["query": "SELECT text FROM notes"], timeout: .seconds(30)))
        let bob = StdioFixture.text(try await manager.callTool(key("bob"), server: "sqlite", name: "read_query",
                                                               arguments: ["query": "SELECT text FROM notes"], timeout: .seconds(30)))
        XCTAssertTrue(alice.contains("the plan of alice") && !alice.contains("bob"), alice)
        XCTAssertTrue(bob.contains("the secret of bob") && !bob.contains("alice"), bob)
        let running = await manager.running.count
        XCTAssertEqual(running, 2, "one instance per user")
        // The databases are in each user's own folder on the host.
        for owner in ["alice", "bob"] {
            let path = try StdioDataFolder.path(root: fixture.dataRoot, owner: owner, sourceID: "src1") + "/notes.db"
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
        }
        // Another source of the same user is another folder, another database.
        let other = StdioFixture.text(try await manager.callTool(key("alice", "src2"), server: "sqlite", name: "list_tables",
                                                                 arguments: [:], timeout: .seconds(30)))
        XCTAssertFalse(other.contains("notes"), other)
    }

    func testTimeAndGitServersAnswerFromTheSandbox() async throws {
        let manager = fixture.manager()
        let now = try await manager.callTool(key("alice"), server: "time", name: "get_current_time", arguments: ["timezone": "UTC"],
                                             timeout: .seconds(30))
        XCTAssertTrue(StdioFixture.text(now).contains("UTC"), "\(now)")
        // A repository in Alice's folder: her git instance reads it at /data; Bob's cannot.
        let folder = try StdioDataFolder.create(root: fixture.dataRoot, owner: "alice", sourceID: "src1")
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["init", "-q", folder]
        try git.run()
        git.waitUntilExit()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: folder + "/readme.txt"))
        let status = StdioFixture.text(try await manager.callTool(key("alice"), server: "git", name: "git_status",
                                                                  arguments: ["repo_path": "/data"], timeout: .seconds(30)))
        XCTAssertTrue(status.contains("readme.txt"), status)
        for path in ["/data", folder] {
            let answer = try? await manager.callTool(key("bob"), server: "git", name: "git_status", arguments: ["repo_path": .string(path)],
                                                     timeout: .seconds(30))
            XCTAssertFalse(StdioFixture.text(answer ?? .null).contains("readme.txt"), path)
        }
    }

    func testACrashedInstanceIsStartedAgainOnNextUse() async throws {
        let manager = fixture.manager()
        _ = try await StdioFixture.probe(manager, owner: "alice", "write", "/data/kept=still here")
        let first = await manager.pid(key("alice"))
        // The server dies in the middle of a call: that call fails, the next one works.
        do {
            _ = try await StdioFixture.probe(manager, owner: "alice", "crash")
            XCTFail("a call whose server died must fail")
        } catch {
            XCTAssertEqual((error as? any CodedError)?.code, "upstream_disconnected", "\(error)")
            XCTAssertTrue("\(error)".contains("exited with status 7"), "\(error)")
        }
        let read = try await StdioFixture.probe(manager, owner: "alice", "read", "/data/kept")
        XCTAssertEqual(read, "READ still here")
        // Killed from outside, too.
        let second = await manager.pid(key("alice"))
        XCTAssertNotNil(second)
        XCTAssertNotEqual(first, second)
        kill(second!, SIGKILL)
        try await Task.sleep(for: .milliseconds(200))
        let again = try await StdioFixture.probe(manager, owner: "alice", "whoami")
        XCTAssertTrue(again.hasPrefix("PID"), again)
        let starts = await manager.starts
        XCTAssertEqual(starts, 3)
    }

    func testAnInstanceThatMissesACallDeadlineIsReplaced() async throws {
        let manager = fixture.manager()
        _ = try await StdioFixture.probe(manager, owner: "alice", "whoami")
        let began = ContinuousClock.now
        do {
            _ = try await manager.callTool(key("alice"), server: "probe", name: "probe", arguments: ["action": "sleep", "arg": "30"],
                                           timeout: .milliseconds(500))
            XCTFail("the call must time out")
        } catch {
            XCTAssertEqual((error as? any CodedError)?.code, "upstream_timeout", "\(error)")
        }
        let who = try await StdioFixture.probe(manager, owner: "alice", "whoami")
        XCTAssertTrue(who.hasPrefix("PID"), who)
        // The stuck server (it ignores the end of stdin while it sleeps) is killed after the grace period.
        XCTAssertLessThan(ContinuousClock.now - began, .seconds(8), "not stuck behind the sleeping call")
        let starts = await manager.starts
        XCTAssertEqual(starts, 2)
    }

    func testAnIdleInstanceIsStoppedAndStartsAgainWhenNeeded() async throws {
        let manager = fixture.manager(idle: .milliseconds(400))
        _ = try await manager.callTool(key("alice"), server: "time", name: "get_current_time", arguments: ["timezone": "UTC"], timeout: .seconds(30))
        let maybePid = await manager.pid(key("alice"))
        let pid = try XCTUnwrap(maybePid)
        try await Task.sleep(for: .milliseconds(1500))
        let running = await manager.running
        XCTAssertTrue(running.isEmpty, "\(running)")
        XCTAssertEqual(kill(pid, 0), -1, "the process is gone")
        _ = try await manager.callTool(key("alice"), server: "time", name: "get_current_time", arguments: ["timezone": "UTC"], timeout: .seconds(30))
        let starts = await manager.starts
        XCTAssertEqual(starts, 2)
    }

    func testStartUpFailuresSayWhat() async throws {
        // Servers that exit get all the time they need to (a loaded machine starts Python slowly);
        // the one that never answers gets a short deadline.
        let manager = fixture.manager(startTimeout: .seconds(60))
        let impatient = fixture.manager(startTimeout: .milliseconds(1500))
        await assertFails(code: "stdio_server_unknown", containing: "no stdio server named nope") {
            _ = try await manager.listTools(self.key("alice"), server: "nope")
        }
        await assertFails(code: "stdio_server_exited", containing: "fatal: no config at /data/conf") {
            _ = try await manager.listTools(self.key("alice"), server: "dies")
        }
        await assertFails(code: "stdio_server_exited", containing: "/data/missing does not exist") {
            _ = try await manager.listTools(self.key("alice"), server: "git-pinned")
        }
        await assertFails(code: "stdio_server_no_initialize", containing: "did not answer initialize within 1500 ms") {
            _ = try await impatient.listTools(self.key("alice"), server: "mute")
        }
        let running = await manager.running + impatient.running
        XCTAssertTrue(running.isEmpty)
    }

    func testTheLeaseKeepsOneUsersInstanceOnOneHostAndHandsItOver() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close(); server.stop() }
        let hostA = fixture.manager(lease: StdioLease(redis: redis, holder: "host-a", ttl: .seconds(3)))
        let hostB = fixture.manager(lease: StdioLease(redis: redis, holder: "host-b", ttl: .seconds(3)))
        _ = try await StdioFixture.probe(hostA, owner: "alice", "write", "/data/from=a")
        let lease = StdioLease(redis: redis, holder: "observer")
        var holder = try await lease.currentHolder(owner: "alice", sourceID: "src1")
        XCTAssertEqual(holder, "host-a")
        let maybePidA = await hostA.pid(key("alice"))
        let pidA = try XCTUnwrap(maybePidA)
        // Host B needs Alice's instance: A stops its idle one and hands the lease over.
        let read = try await StdioFixture.probe(hostB, owner: "alice", "read", "/data/from")
        XCTAssertEqual(read, "READ a")
        holder = try await lease.currentHolder(owner: "alice", sourceID: "src1")
        XCTAssertEqual(holder, "host-b")
        let runningA = await hostA.running
        XCTAssertTrue(runningA.isEmpty)
        XCTAssertEqual(kill(pidA, 0), -1)
        // Another user's instance is independent of Alice's lease.
        _ = try await StdioFixture.probe(hostA, owner: "bob", "whoami")
        let countA = await hostA.running.count
        let countB = await hostB.running.count
        XCTAssertEqual(countA, 1)
        XCTAssertEqual(countB, 1)
        // Stopping releases it.
        await hostB.stop(key("alice"))
        holder = try await lease.currentHolder(owner: "alice", sourceID: "src1")
        XCTAssertNil(holder)
    }

    func testAnInstanceWhoseLeaseCannotBeRenewedStops() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close() }
        let host = fixture.manager(lease: StdioLease(redis: redis, holder: "host-a", ttl: .milliseconds(600)))
        _ = try await StdioFixture.probe(host, owner: "alice", "whoami")
        let maybePid = await host.pid(key("alice"))
        let pid = try XCTUnwrap(maybePid)
        try await Task.sleep(for: .milliseconds(900))
        let stillRunning = await host.running.count
        XCTAssertEqual(stillRunning, 1, "renewed while Redis answers")
        server.stop()
        try await Task.sleep(for: .milliseconds(2000))
        let running = await host.running
        XCTAssertTrue(running.isEmpty, "the lease may have expired: another host could start it")
        XCTAssertEqual(kill(pid, 0), -1)
    }

    func testABusyInstanceIsNotTakenByAnotherHostUntilItIsIdle() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close(); server.stop() }
        let hostA = fixture.manager(lease: StdioLease(redis: redis, holder: "host-a", ttl: .seconds(3)))
        let hostB = fixture.manager(lease: StdioLease(redis: redis, holder: "host-b", ttl: .seconds(3)), leaseWait: .milliseconds(800))
        _ = try await StdioFixture.probe(hostA, owner: "alice", "whoami")
        let slow = Task { try await StdioFixture.probe(hostA, owner: "alice", "sleep", "3") }
        try await Task.sleep(for: .milliseconds(300))
        await assertFails(code: "stdio_instance_busy", containing: "another Junction host") {
            _ = try await StdioFixture.probe(hostB, owner: "alice", "whoami")
        }
        let slept = try await slow.value
        XCTAssertEqual(slept, "SLEPT")
        // Idle now: A hands it over within a renewal period.
        let patientB = fixture.manager(lease: StdioLease(redis: redis, holder: "host-b", ttl: .seconds(3)), leaseWait: .seconds(5))
        let who = try await StdioFixture.probe(patientB, owner: "alice", "whoami")
        XCTAssertTrue(who.hasPrefix("PID"), who)
    }

    private func assertFails(code: String, containing text: String, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch {
            let coded = error as? any CodedError
            XCTAssertEqual(coded?.code, code, "\(error)", file: file, line: line)
            XCTAssertTrue(coded?.message.contains(text) == true, "\(coded?.message ?? "\(error)")", file: file, line: line)
        }
    }
}

