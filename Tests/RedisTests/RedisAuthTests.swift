import Foundation
import Redis
import TestSupport
import XCTest

/// Redis with a password, an ACL user and a database other than 0: the right credentials
/// work (again after every reconnect), the wrong or missing ones fail with
/// `queue_unauthorized`, and the password never appears in an error.
final class RedisAuthTests: XCTestCase {
    static let password = "s3cret p@ss/wörd"
    static let encoded = "s3cret%20p%40ss%2Fw%C3%B6rd"

    private func url(_ text: String) throws -> RedisURL { try RedisURL(text) }

    private func assertRefused(_ url: RedisURL, mentions fragment: String, secrets: [String],
                               file: StaticString = #filePath, line: UInt = #line) async {
        let conn = RedisConnection(url: url, label: "test.auth.refused")
        defer { conn.close() }
        do {
            _ = try await conn.send(["SET", "intruder", "1"])
            XCTFail("\(url) was accepted", file: file, line: line)
        } catch let error as RedisError {
            XCTAssertEqual(error.code, "queue_unauthorized", "\(error)", file: file, line: line)
            let shown = "\(error) \(String(reflecting: error)) \(error.message)"
            XCTAssertTrue(shown.contains(fragment), shown, file: file, line: line)
            for secret in secrets { XCTAssertFalse(shown.contains(secret), "the error shows a password: \(shown)", file: file, line: line) }
        } catch {
            XCTFail("\(error) is not a RedisError", file: file, line: line)
        }
    }

    func testAWrongOrMissingPasswordIsRefusedClearlyAndNeverShown() async throws {
        let server = try await RedisServer(arguments: { ["--port", "\($0)", "--requirepass", Self.password] },
                                           url: { try! RedisURL("redis://:\(Self.encoded)@127.0.0.1:\($0)") })
        defer { server.stop() }
        let wrong = "wrong-Pa55word"
        await assertRefused(try url("redis://:\(wrong)@127.0.0.1:\(server.port)"), mentions: "Redis refused the password",
                            secrets: [wrong, Self.password, Self.encoded])
        await assertRefused(try url("redis://127.0.0.1:\(server.port)"), mentions: "NOAUTH", secrets: [Self.password])
        await assertRefused(try url("redis://127.0.0.1:\(server.port)/2"), mentions: "requires a password", secrets: [Self.password])
        // Nothing of the refused attempts reached the data.
        let conn = RedisConnection(url: server.url, label: "test.auth.ok")
        defer { conn.close() }
        let reply1 = try await conn.send(["EXISTS", "intruder"])
        XCTAssertEqual(reply1, .integer(0))
    }

    func testTheRightPasswordWorksAndIsSentAgainAfterAReconnect() async throws {
        let server = try await RedisServer(arguments: { ["--port", "\($0)", "--requirepass", Self.password] },
                                           url: { try! RedisURL("redis://:\(Self.encoded)@127.0.0.1:\($0)") })
        defer { server.stop() }
        let conn = RedisConnection(url: server.url, label: "test.auth.reconnect", readTimeout: .seconds(5))
        defer { conn.close() }
        _ = try await conn.send(["SET", "a", "1"])
        _ = try? await conn.send(["CLIENT", "KILL", "TYPE", "normal"])
        _ = try? await conn.send(["PING"])
        let reply2 = try await conn.send(["GET", "a"])
        XCTAssertEqual(reply2.string, "1", "signed in again after the reconnect")
        // A client pool works the same way.
        let client = RedisClient(url: server.url, connections: 2)
        defer { client.close() }
        for i in 0..<4 { try await client.send("INCR", "n\(i)") }
    }

    func testAnACLUserSignsInAsItself() async throws {
        let server = try await RedisServer(
            arguments: { ["--port", "\($0)", "--user", "alice", "on", ">alice-pw", "~*", "&*", "+@all", "--user", "default", "off"] },
            url: { try! RedisURL("redis://alice:alice-pw@127.0.0.1:\($0)") })
        defer { server.stop() }
        let conn = RedisConnection(url: server.url, label: "test.acl")
        defer { conn.close() }
        let reply3 = try await conn.send(["ACL", "WHOAMI"])
        XCTAssertEqual(reply3.string, "alice")
        await assertRefused(try url("redis://alice:bob-pw@127.0.0.1:\(server.port)"), mentions: "user 'alice'", secrets: ["bob-pw", "alice-pw"])
        await assertRefused(try url("redis://bob:alice-pw@127.0.0.1:\(server.port)"), mentions: "Redis refused the password", secrets: ["alice-pw"])
        await assertRefused(try url("redis://:alice-pw@127.0.0.1:\(server.port)"), mentions: "Redis refused the password", secrets: ["alice-pw"])
    }

    func testANonZeroDatabaseIsSelectedOnEveryConnect() async throws {
        let server = try await RedisServer(arguments: { ["--port", "\($0)", "--requirepass", "pw"] },
                                           url: { try! RedisURL("redis://:pw@127.0.0.1:\($0)/3") })
        defer { server.stop() }
        let db3 = RedisConnection(url: server.url, label: "test.db3", readTimeout: .seconds(5))
        defer { db3.close() }
        let db0 = RedisConnection(url: try url("redis://:pw@127.0.0.1:\(server.port)/0"), label: "test.db0")
        defer { db0.close() }
        _ = try await db3.send(["SET", "where", "three"])
        let reply4 = try await db0.send(["EXISTS", "where"])
        XCTAssertEqual(reply4, .integer(0), "the key went to database 3, not 0")
        let reply5 = try await db0.send(["SELECT", "3"])
        XCTAssertEqual(reply5, .string("OK"))
        let reply6 = try await db0.send(["GET", "where"])
        XCTAssertEqual(reply6.string, "three")
        _ = try? await db3.send(["CLIENT", "KILL", "TYPE", "normal"])
        _ = try? await db3.send(["PING"])
        let reply7 = try await db3.send(["GET", "where"])
        XCTAssertEqual(reply7.string, "three", "database 3 again after the reconnect")
        let info = try await db3.send(["CLIENT", "INFO"]).string ?? ""
        XCTAssertTrue(info.contains(" db=3 "), info)
    }

    func testADatabaseTheServerDoesNotHaveFailsClearly() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let conn = RedisConnection(url: try url("redis://127.0.0.1:\(server.port)/99"), label: "test.db99")
        defer { conn.close() }
        do {
            _ = try await conn.send(["PING"])
            XCTFail("database 99 was accepted")
        } catch let error as RedisError {
            XCTAssertTrue(error.message.contains("SELECT 99"), "\(error)")
            XCTAssertEqual(error.kind, .connection)
        }
    }
}
