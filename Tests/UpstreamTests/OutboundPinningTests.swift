import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOSSL
import Synchronization
import TestSupport
import Upstream
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// DNS rebinding: the policy resolves a name and checks the answer; the connection must go
/// to that checked address, on every hop, with the name kept for `Host` and TLS.
///
/// The rebinding resolver is injected into the policy: it answers 127.0.0.2 for
/// `localhost`, while the system (what AsyncHTTPClient would ask on its own) answers
/// 127.0.0.1. One server listens on 127.0.0.2 ("checked") and another on 127.0.0.1 with the
/// same port ("rebound", the address a second resolution would reach). What this proves:
/// which address the bytes went to is decided by the check's answer alone. That a forbidden
/// answer is refused is the policy's own test (`OutboundPolicyTests`); the e2e suite repeats
/// this against the real binaries with a getaddrinfo shim.
final class OutboundPinningTests: XCTestCase {
    private static let serverScript = #"""
import http.server, json, ssl, sys, os, threading, time, urllib.parse
out, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
sni = []
def handler(name):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        def log_message(self, *a): pass
        def do_GET(self):
            u = urllib.parse.urlparse(self.path); q = urllib.parse.parse_qs(u.query)
            if u.path == "/redirect":
                self.send_response(302); self.send_header("Location", q["to"][0]); self.send_header("Content-Length", "0"); self.end_headers(); return
            body = json.dumps({"server": name, "host": self.headers.get("Host"), "sni": sni[-1] if sni else None,
                               "peer": self.client_address[1]}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    return H
def serve(addr, port, name, tls=False):
    s = http.server.ThreadingHTTPServer((addr, port), handler(name))
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
        ctx.sni_callback = lambda sock, server_name, c: sni.append(server_name)
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s.server_address[1]
plain = serve("127.0.0.1", 0, "rebound")
serve("127.0.0.2", plain, "checked")
tls = serve("127.0.0.1", 0, "rebound-tls", tls=True)
serve("127.0.0.2", tls, "checked-tls", tls=True)
parent = os.getppid()
def watch():
    while os.getppid() == parent: time.sleep(0.2)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
open(out + ".tmp", "w").write(json.dumps({"plain": plain, "tls": tls})); os.rename(out + ".tmp", out)
threading.Event().wait()
"""#

    /// A self-signed certificate for `localhost` only (no IP address in it), test use only.
    private static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBkjCCATigAwIBAgIUQywmciAG6OkcMyIo1Cj1UA4yVUIwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNDIxMjUzOFoYDzIxMjYxMTEw
        MjEyNTM4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAARbokASqnN00a3B94Zrj0yVgwguxGXAzUTPt/dOU98opWmv4MPBOCMD
        PfG/wVkSCfgzGxUlRFzij/T9YxHk7pPDo2YwZDAdBgNVHQ4EFgQUnibmdSZzb2jS
        QzfwCObK+n8u7TcwHwYDVR0jBBgwFoAUnibmdSZzb2jSQzfwCObK+n8u7TcwFAYD
        VR0RBA0wC4IJbG9jYWxob3N0MAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwIDSAAw
        RQIgX09YzEDF7scj3pkWktUcVuFbmfaopSvm9VEs6skvqHICIQCBU658GAjkqPQt
        tIgs8oTYHZXVy2Jdrzyt/6ljyOKE/g==
        -----END CERTIFICATE-----

        """
    private static let key = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGotkOeSoShw5T7rG
        sai1RJPVFeTnlanIOCi1spyT9WihRANCAARbokASqnN00a3B94Zrj0yVgwguxGXA
        zUTPt/dOU98opWmv4MPBOCMDPfG/wVkSCfgzGxUlRFzij/T9YxHk7pPD
        -----END PRIVATE KEY-----

        """

    private var server: Process?
    private var plainPort = 0
    private var tlsPort = 0
    private var client: HTTPClient?
    private var pins: ConnectionPins?

    override func setUp() async throws {
        let dir = TestEnvironment.temporaryDirectory()
        let cert = dir.appendingPathComponent("cert.pem"), key = dir.appendingPathComponent("key.pem"), out = dir.appendingPathComponent("ports")
        try Self.certificate.write(to: cert, atomically: true, encoding: .utf8)
        try Self.key.write(to: key, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.serverScript, out.path, cert.path, key.path]
        try process.run()
        server = process
        for _ in 0..<200 where plainPort == 0 {
            if let data = try? Data(contentsOf: out), let ports = try? JSONValue.parse(data) {
                plainPort = Int(ports["plain"]?.numberValue ?? 0)
                tlsPort = Int(ports["tls"]?.numberValue ?? 0)
            } else {
                try await Task.sleep(for: .milliseconds(25))
            }
        }
        XCTAssertGreaterThan(plainPort, 0, "the test servers did not start")
        var config = UpstreamHTTP.clientConfiguration()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(Self.certificate.utf8)))
        config.tlsConfiguration = tls
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        pins = ConnectionPins(configuration: config)
    }

    override func tearDown() async throws {
        await pins?.shutdown()
        try await client?.shutdown()
        if let pid = server?.processIdentifier { kill(pid, SIGKILL) }
    }

    /// A resolver that answers from `answers` in turn (the last one repeats) and counts.
    private final class ScriptedResolver: Sendable {
        let answers: [[String]]
        let calls = Mutex(0)
        init(_ answers: [[String]]) { self.answers = answers }
        var resolver: HostResolver {
            HostResolver { [self] host in
                guard host == "localhost" else { return await OutboundPolicy.systemResolve(host) }
                let n = calls.withLock { n in defer { n += 1 }; return n }
                return answers[min(n, answers.count - 1)].compactMap(IPAddress.init)
            }
        }
    }

    private func http(_ resolver: ScriptedResolver) -> UpstreamHTTP {
        UpstreamHTTP(client: client!, policy: OutboundPolicy(allowLoopbackHTTP: true, resolver: resolver.resolver), pins: pins!)
    }

    private func get(_ http: UpstreamHTTP, _ url: String, headers: [(String, String)] = []) async throws -> JSONValue {
        let response = try await http.send(method: "GET", url: URL(string: url)!, headers: headers, maxBytes: 10_000, timeout: .seconds(10))
        XCTAssertEqual(response.status, 200)
        return try JSONValue.parse(response.body)
    }

    func testTheAttackWorksAgainstCheckThenConnect() async throws {
        // What UpstreamHTTP did before: check with one resolution, then let the client resolve again.
        let policy = OutboundPolicy(allowLoopbackHTTP: true, resolver: ScriptedResolver([["127.0.0.2"]]).resolver)
        let url = URL(string: "http://localhost:\(plainPort)/echo")!
        let target = try await policy.check(url)
        XCTAssertEqual(target.addresses, [IPAddress("127.0.0.2")!])
        let response = try await client!.execute(HTTPClientRequest(url: url.absoluteString), deadline: .after(.seconds(10)))
        let body = try JSONValue.parse(try await response.body.collect(upTo: 10_000).readableBytesView)
        XCTAssertEqual(body["server"]?.stringValue, "rebound", "the second resolution decided where the request went")
    }

    func testEveryRequestGoesToTheCheckedAddressWithItsName() async throws {
        let resolver = ScriptedResolver([["127.0.0.2"]])
        let http = http(resolver)
        for _ in 0..<3 {
            let body = try await get(http, "http://localhost:\(plainPort)/echo")
            XCTAssertEqual(body["server"]?.stringValue, "checked")
            XCTAssertEqual(body["host"]?.stringValue, "localhost:\(plainPort)", "Host keeps the name")
        }
        XCTAssertEqual(resolver.calls.withLock { $0 }, 3, "one resolution per request, none by the client")
        XCTAssertEqual(pins!.count, 1, "requests share one pinned client (its pooled connections)")
        XCTAssertEqual(pins!.pinnedAddresses(host: "localhost"), [IPAddress("127.0.0.2")!])
    }

    func testPinnedRequestsKeepUsingPooledConnections() async throws {
        let http = http(ScriptedResolver([["127.0.0.2"]]))
        var peers = Set<Int>()
        for _ in 0..<50 {
            let body = try await get(http, "http://localhost:\(plainPort)/echo")
            peers.insert(Int(body["peer"]?.numberValue ?? 0))
        }
        XCTAssertEqual(peers.count, 1, "50 sequential requests share one kept-alive connection")
        let url = URL(string: "http://localhost:\(plainPort)/echo")!
        let concurrent = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    let response = try await http.send(method: "GET", url: url, maxBytes: 10_000, timeout: .seconds(10))
                    return Int(try JSONValue.parse(response.body)["peer"]?.numberValue ?? 0)
                }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        XCTAssertLessThanOrEqual(concurrent.count, 8, "40 concurrent requests share the pool's connections (8 per host)")
        XCTAssertEqual(pins!.count, 1)
    }

    func testTLSKeepsTheNameForSNIAndCertificateVerification() async throws {
        let http = http(ScriptedResolver([["127.0.0.2"]]))
        let body = try await get(http, "https://localhost:\(tlsPort)/echo")
        XCTAssertEqual(body["server"]?.stringValue, "checked-tls")
        XCTAssertEqual(body["sni"]?.stringValue, "localhost", "SNI is the name, not the address")
        XCTAssertEqual(body["host"]?.stringValue, "localhost:\(tlsPort)")
        // The certificate names localhost only: connecting by address without the name fails verification.
        do {
            _ = try await http.send(method: "GET", url: URL(string: "https://127.0.0.2:\(tlsPort)/echo")!, maxBytes: 10_000, timeout: .seconds(2))
            XCTFail("a certificate for localhost was accepted for 127.0.0.2")
        } catch {}
    }

    func testEveryRedirectHopIsCheckedAndPinnedAgain() async throws {
        // First hop: checked address. Second hop: the name now answers 0.0.0.0 (which
        // connects to this host's loopback services) and is refused, not connected to.
        let resolver = ScriptedResolver([["127.0.0.2"], ["0.0.0.0"]])
        let http = http(resolver)
        let to = "http://localhost:\(plainPort)/echo"
        do {
            _ = try await get(http, "http://localhost:\(plainPort)/redirect?to=\(to)")
            XCTFail("the rebound hop was followed")
        } catch let error as any CodedError {
            XCTAssertEqual(error.code, "outbound_forbidden", "\(error)")
        }
        // Both hops answered by the checked address.
        let steady = ScriptedResolver([["127.0.0.2"]])
        let body = try await get(self.http(steady), "http://localhost:\(plainPort)/redirect?to=\(to)")
        XCTAssertEqual(body["server"]?.stringValue, "checked")
        XCTAssertEqual(steady.calls.withLock { $0 }, 2, "each hop resolved once")
    }

    func testAPinnedClientIsReusedOnlyWhileItsAddressIsStillAnswered() async throws {
        // Round-robin answers that keep including the pinned address reuse its client.
        let rotating = ScriptedResolver([["127.0.0.2", "127.0.0.3"], ["127.0.0.3", "127.0.0.2"], ["127.0.0.2"]])
        let http = http(rotating)
        for _ in 0..<3 { _ = try await get(http, "http://localhost:\(plainPort)/echo") }
        XCTAssertEqual(pins!.pinnedAddresses(host: "localhost"), [IPAddress("127.0.0.2")!])
        // An answer without it gets a new pin; the old client is never used for it.
        let moved = ScriptedResolver([["127.0.0.1"]])
        let body = try await get(self.http(moved), "http://localhost:\(plainPort)/echo")
        XCTAssertEqual(body["server"]?.stringValue, "rebound", "connected to what this request's check answered")
        XCTAssertEqual(pins!.pinnedAddresses(host: "localhost"), [IPAddress("127.0.0.2")!, IPAddress("127.0.0.1")!])
    }

    func testUnusedPinsAreShutDownBeyondTheCap() async throws {
        let small = ConnectionPins(maxClients: 2)
        let held = small.lease(host: "a.example", addresses: [IPAddress("192.0.2.1")!])
        for host in ["b.example", "c.example", "d.example"] { _ = small.lease(host: host, addresses: [IPAddress("192.0.2.1")!]) }
        XCTAssertEqual(small.count, 2)
        XCTAssertEqual(small.pinnedAddresses(host: "a.example").count, 1, "a leased client is never shut down")
        withExtendedLifetime(held) {}
        await small.shutdown()
    }
}
