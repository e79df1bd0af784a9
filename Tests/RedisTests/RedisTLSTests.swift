import Foundation
import Redis
import TestSupport
import XCTest

/// `rediss://` against a redis-server that speaks only TLS (`--port 0 --tls-port P`), with
/// certificates from a CA made for the test: the server's certificate must chain to the CA
/// Junction is given and name the host it dialled; anything else is refused before a byte
/// of a command (or the password) is sent.
final class RedisTLSTests: XCTestCase {
    private func tlsServer(_ certs: TestCertificates, cert: (cert: String, key: String), clientAuth: Bool = false,
                           extra: [String] = [], url: @escaping (Int) -> RedisURL) async throws -> RedisServer {
        try await RedisServer(arguments: {
            ["--port", "0", "--tls-port", "\($0)", "--tls-cert-file", cert.cert, "--tls-key-file", cert.key,
             "--tls-ca-cert-file", certs.caFile, "--tls-auth-clients", clientAuth ? "yes" : "no"] + extra
        }, url: url)
    }

    private func refusal(_ url: RedisURL, file: StaticString = #filePath, line: UInt = #line) async -> RedisError? {
        let conn = RedisConnection(url: url, label: "test.tls.refused")
        defer { conn.close() }
        do {
            _ = try await conn.send(["SET", "intruder", "1"])
            XCTFail("\(url) was accepted", file: file, line: line)
            return nil
        } catch let error as RedisError {
            return error
        } catch {
            XCTFail("\(error) is not a RedisError", file: file, line: line)
            return nil
        }
    }

    func testCommandsWorkOverTLSWithTheCAPasswordAndDatabase() async throws {
        let certs = try TestCertificates()
        let cert = try certs.issue("server", subjectAltName: "DNS:localhost")
        let tls = RedisTLSOptions(caFile: certs.caFile)
        let server = try await tlsServer(certs, cert: cert, extra: ["--requirepass", "tls-pw"],
                                         url: { try! RedisURL("rediss://:tls-pw@localhost:\($0)/2", tls: tls) })
        defer { server.stop() }
        let conn = RedisConnection(url: server.url, label: "test.tls", readTimeout: .seconds(10))
        defer { conn.close() }
        let reply1 = try await conn.send(["SET", "over", "tls"])
        XCTAssertEqual(reply1, .string("OK"))
        let reply2 = try await conn.send(["CLIENT", "INFO"])
        XCTAssertTrue((reply2.string ?? "").contains(" db=2 "))

        // Many concurrent calls share round trips through the tunnel and get their own replies.
        let replies = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for i in 0..<200 {
                group.addTask { (i, try await conn.pipeline([["SET", "k\(i)", "v\(i)"], ["GET", "k\(i)"]])[1].string) }
            }
            var out: [Int: String?] = [:]
            for try await (i, value) in group { out[i] = value }
            return out
        }
        for i in 0..<200 { XCTAssertEqual(replies[i] ?? nil, "v\(i)") }

        // A value much larger than any TLS record or socket buffer goes out and comes back whole.
        let big = String(repeating: "0123456789abcdef", count: 1 << 19)  // 8 MiB
        let bigReplies = try await conn.pipeline([["SET", "big", big], ["GET", "big"]])
        XCTAssertEqual(bigReplies[1].string?.utf8.count, big.utf8.count)
        XCTAssertEqual(bigReplies[1].string == big, true)

        // The server drops us: the next call but one reconnects, over TLS, signed in, on database 2.
        _ = try? await conn.send(["CLIENT", "KILL", "TYPE", "normal"])
        _ = try? await conn.send(["PING"])
        let reply3 = try await conn.send(["GET", "over"])
        XCTAssertEqual(reply3.string, "tls")
    }

    func testAServerCertificateFromAnotherCAIsRefused() async throws {
        let certs = try TestCertificates()
        let cert = try certs.issue("server", subjectAltName: "DNS:localhost")
        let server = try await tlsServer(certs, cert: cert, extra: ["--requirepass", "tls-pw"],
                                         url: { try! RedisURL("rediss://:tls-pw@localhost:\($0)", tls: RedisTLSOptions(caFile: certs.caFile)) })
        defer { server.stop() }
        // Without a CA: the system's trust store, which does not know the test CA.
        let systemStore = await refusal(try RedisURL("rediss://:tls-pw@localhost:\(server.port)"))
        XCTAssertEqual(systemStore?.code, "queue_tls_failed", "\(String(describing: systemStore))")
        XCTAssertTrue(systemStore?.message.contains("certificate") ?? false, "\(String(describing: systemStore))")
        XCTAssertFalse("\(String(describing: systemStore))".contains("tls-pw"))
        // Another CA's certificates.
        let other = try TestCertificates()
        let wrongCA = await refusal(try RedisURL("rediss://:tls-pw@localhost:\(server.port)", tls: RedisTLSOptions(caFile: other.caFile)))
        XCTAssertEqual(wrongCA?.code, "queue_tls_failed", "\(String(describing: wrongCA))")
        // The server saw no AUTH from the refused clients: nothing of theirs reached it.
        let conn = RedisConnection(url: server.url, label: "test.tls.check")
        defer { conn.close() }
        let reply4 = try await conn.send(["EXISTS", "intruder"])
        XCTAssertEqual(reply4, .integer(0))
    }

    func testAHostTheCertificateDoesNotNameIsRefused() async throws {
        let certs = try TestCertificates()
        // Names localhost only: dialling 127.0.0.1 (the same server) must fail the IP check.
        let byName = try certs.issue("by-name", subjectAltName: "DNS:localhost")
        let tls = RedisTLSOptions(caFile: certs.caFile)
        let named = try await tlsServer(certs, cert: byName, url: { try! RedisURL("rediss://localhost:\($0)", tls: tls) })
        defer { named.stop() }
        let ipMismatch = await refusal(try RedisURL("rediss://127.0.0.1:\(named.port)", tls: tls))
        XCTAssertEqual(ipMismatch?.code, "queue_tls_failed", "\(String(describing: ipMismatch))")
        XCTAssertTrue(ipMismatch?.message.lowercased().contains("mismatch") ?? false, "\(String(describing: ipMismatch))")

        // Names another host and the IP address: the IP works, localhost must fail the name check.
        let byAddress = try certs.issue("by-address", subjectAltName: "DNS:redis.junction.test,IP:127.0.0.1")
        let addressed = try await tlsServer(certs, cert: byAddress, url: { try! RedisURL("rediss://127.0.0.1:\($0)", tls: tls) })
        defer { addressed.stop() }
        let nameMismatch = await refusal(try RedisURL("rediss://localhost:\(addressed.port)", tls: tls))
        XCTAssertEqual(nameMismatch?.code, "queue_tls_failed", "\(String(describing: nameMismatch))")
        XCTAssertTrue(nameMismatch?.message.lowercased().contains("hostname mismatch") ?? false, "\(String(describing: nameMismatch))")
    }

    func testAClientCertificateIsPresentedWhenTheServerRequiresOne() async throws {
        let certs = try TestCertificates()
        let cert = try certs.issue("server", subjectAltName: "DNS:localhost")
        let client = try certs.issue("client", subjectAltName: "DNS:junction-worker", clientAuth: true)
        let withCert = RedisTLSOptions(caFile: certs.caFile, certFile: client.cert, keyFile: client.key)
        let server = try await tlsServer(certs, cert: cert, clientAuth: true,
                                         url: { try! RedisURL("rediss://localhost:\($0)", tls: withCert) })
        defer { server.stop() }
        let conn = RedisConnection(url: server.url, label: "test.tls.client")
        defer { conn.close() }
        let reply5 = try await conn.send(["PING"])
        XCTAssertEqual(reply5, .string("PONG"))
        // Without one the server ends the connection (during or right after the handshake).
        let refused = await refusal(try RedisURL("rediss://localhost:\(server.port)", tls: RedisTLSOptions(caFile: certs.caFile)))
        XCTAssertEqual(refused?.kind, .connection, "\(String(describing: refused))")
    }

    func testClosedTLSConnectionsLeaveNoThreadBehind() async throws {
        let certs = try TestCertificates()
        let cert = try certs.issue("server", subjectAltName: "DNS:localhost")
        let tls = RedisTLSOptions(caFile: certs.caFile)
        let server = try await tlsServer(certs, cert: cert, url: { try! RedisURL("rediss://localhost:\($0)", tls: tls) })
        defer { server.stop() }
        let before = Self.tunnelThreads()
        for _ in 0..<10 {
            let conn = RedisConnection(url: server.url, label: "test.tls.churn")
            let reply6 = try await conn.send(["PING"])
            XCTAssertEqual(reply6, .string("PONG"))
            conn.close()
        }
        // Refused handshakes leave none either.
        _ = await refusal(try RedisURL("rediss://127.0.0.1:\(server.port)", tls: tls))
        var after = Self.tunnelThreads()
        for _ in 0..<50 where after > before {
            try await Task.sleep(for: .milliseconds(100))
            after = Self.tunnelThreads()
        }
        XCTAssertEqual(after, before, "tunnel threads still running after their connections closed")
    }

    /// Threads of this process named like the TLS tunnel's.
    private static func tunnelThreads() -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            let name = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.trimmingCharacters(in: .whitespacesAndNewlines) == "redis-tls"
        }.count
    }
}
