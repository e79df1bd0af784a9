import AsyncHTTPClient
import Foundation
import JunctionCore
import TestSupport
import Upstream
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// UpstreamHTTP against a real local HTTP server: every redirect hop is checked again,
/// credentials stay on their origin, and bodies are capped while they stream.
final class OutboundRedirectTests: XCTestCase {
    private static let serverScript = #"""
import http.server, json, sys, urllib.parse
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        u = urllib.parse.urlparse(self.path); q = urllib.parse.parse_qs(u.query)
        if u.path == "/redirect":
            self.send_response(int(q.get("code", ["302"])[0])); self.send_header("Location", q["to"][0])
            self.send_header("Content-Length", "0"); self.end_headers()
        elif u.path == "/loop":
            self.send_response(302); self.send_header("Location", "/loop"); self.send_header("Content-Length", "0"); self.end_headers()
        elif u.path == "/echo":
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        elif u.path == "/big":
            n = int(q["n"][0]); chunked = q.get("chunked", ["1"])[0] == "1"
            self.send_response(200); self.send_header("Content-Type", "application/octet-stream")
            if chunked: self.send_header("Transfer-Encoding", "chunked")
            else: self.send_header("Content-Length", str(n))
            self.end_headers()
            block = b"x" * 65536; sent = 0
            try:
                while sent < n:
                    part = block[: min(65536, n - sent)]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part); sent += len(part)
                if chunked: self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError): pass
        else:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), H))
"""#

    private var server: ScriptServer?
    private var port = 0
    private var client: HTTPClient?

    override func setUp() async throws {
        let server = try await ScriptServer(script: Self.serverScript)
        self.server = server
        port = server.port
        client = UpstreamHTTP.makeClient()
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        server?.stop()
    }

    private func http(dev: Bool = true) -> UpstreamHTTP {
        UpstreamHTTP(client: client!, policy: OutboundPolicy(allowLoopbackHTTP: dev))
    }

    private func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    private func expectError(_ code: String, _ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch let error as any CodedError {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testRedirectToPrivateAddressIsRefusedEvenInDevMode() async {
        for target in ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:192.168.0.1]/",
                       "http://0.0.0.0:\(port)/echo", "https://100.64.0.1/"] {
            let to = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for code in [301, 302, 303, 307, 308] {
                await expectError("outbound_forbidden") {
                    _ = try await http().send(method: "GET", url: url("/redirect?code=\(code)&to=\(to)"), maxBytes: 1000, timeout: .seconds(5))
                }
            }
        }
    }

    func testSameOriginRedirectIsFollowedAndLoopsStop() async throws {
        let response = try await http().send(method: "GET", url: url("/redirect?to=/echo"), maxBytes: 10_000, timeout: .seconds(5))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.url.path, "/echo")
        await expectError("too_many_redirects") {
            _ = try await http().send(method: "GET", url: url("/loop"), maxBytes: 1000, timeout: .seconds(5))
        }
    }

    func testCredentialsStayOnTheirOrigin() async throws {
        let headers = [("Authorization", "Bearer T0KEN"), ("X-Api-Key", "K3Y")]
        let same = try await http().send(method: "GET", url: url("/redirect?to=/echo"), headers: headers, maxBytes: 10_000,
                                         timeout: .seconds(5), sensitiveHeaders: ["x-api-key"])
        let sameBody = try JSONValue.parse(same.body)
        XCTAssertEqual(sameBody["authorization"], "Bearer T0KEN")
        XCTAssertEqual(sameBody["x-api-key"], "K3Y")
        // localhost:port is another origin than 127.0.0.1:port.
        let other = "http://localhost:\(port)/echo".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let cross = try await http().send(method: "GET", url: url("/redirect?to=\(other)"), headers: headers, maxBytes: 10_000,
                                          timeout: .seconds(5), sensitiveHeaders: ["x-api-key"])
        let crossBody = try JSONValue.parse(cross.body)
        XCTAssertNil(crossBody["authorization"])
        XCTAssertNil(crossBody["x-api-key"])
    }

    func testProductionPolicyRefusesLoopbackOnFirstHop() async {
        await expectError("outbound_forbidden") {
            _ = try await http(dev: false).send(method: "GET", url: url("/echo"), maxBytes: 1000, timeout: .seconds(5))
        }
    }

    func testBodyCapWhileStreamingAndByContentLength() async throws {
        let ok = try await http().send(method: "GET", url: url("/big?n=5000"), maxBytes: 5000, timeout: .seconds(5))
        XCTAssertEqual(ok.body.count, 5000)
        let started = ContinuousClock.now
        await expectError("upstream_too_large") {
            _ = try await http().send(method: "GET", url: url("/big?n=100000000"), maxBytes: 1_000_000, timeout: .seconds(30))
        }
        await expectError("upstream_too_large") {
            _ = try await http().send(method: "GET", url: url("/big?n=100000000&chunked=0"), maxBytes: 1_000_000, timeout: .seconds(30))
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "the cap must stop reading early, not after 100 MB")
    }
}
