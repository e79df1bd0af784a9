import AsyncHTTPClient
import Foundation
import JunctionCore
import TestSupport
import Upstream
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A server whose keep-alive ran out resets a pooled connection just as it is reused: an
/// idempotent request is retried once on a new connection, a POST is not (it may have run).
final class OutboundRetryTests: XCTestCase {
    /// Answers the first request of each connection; resets the connection (RST) on the
    /// second, as a server does whose keep-alive timeout fires as the request arrives.
    /// `/count` answers how many requests of each method reached the handler.
    private static let serverScript = #"""
import json, os, socket, socketserver, struct, sys, threading, time
counts = {}
lock = threading.Lock()
class H(socketserver.BaseRequestHandler):
    def handle(self):
        served, buf = 0, b""
        while True:
            while b"\r\n\r\n" not in buf:
                data = self.request.recv(65536)
                if not data: return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            method, path, _ = lines[0].split(" ")
            length = sum(int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:"))
            while len(buf) < length: buf += self.request.recv(65536)
            buf = buf[length:]
            if path == "/count":
                with lock: body = json.dumps(counts).encode()
            else:
                with lock: counts[method] = counts.get(method, 0) + 1
                served += 1
                if served > 1:
                    self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.request.close()
                    return
                body = b"ok"
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
class S(socketserver.ThreadingTCPServer):
    daemon_threads = True
serve(S(("127.0.0.1", 0), H))
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

    private func send(_ method: String, _ path: String, on client: HTTPClient) async throws -> UpstreamResponse {
        try await UpstreamHTTP(client: client, policy: OutboundPolicy(allowLoopbackHTTP: true))
            .send(method: method, url: URL(string: "http://127.0.0.1:\(port)\(path)")!, body: method == "GET" ? nil : Data("x".utf8),
                  maxBytes: 1000, timeout: .seconds(5))
    }

    /// How many requests of each method the server saw, asked on a connection of its own.
    private func counts() async throws -> [String: Int] {
        let fresh = UpstreamHTTP.makeClient()
        let body = try await send("GET", "/count", on: fresh).body
        try await fresh.shutdown()
        return try JSONDecoder().decode([String: Int].self, from: body)
    }

    func testIdempotentRequestOnAResetKeptAliveConnectionIsRetriedOnce() async throws {
        let first = try await send("GET", "/a", on: client!)
        XCTAssertEqual(String(decoding: first.body, as: UTF8.self), "ok")
        // Reuses the kept-alive connection, which the server resets; the retry gets a new one.
        let second = try await send("GET", "/b", on: client!)
        XCTAssertEqual(String(decoding: second.body, as: UTF8.self), "ok")
        let put = try await send("PUT", "/c", on: client!)
        XCTAssertEqual(String(decoding: put.body, as: UTF8.self), "ok")
        let seen = try await counts()
        XCTAssertEqual(seen["GET"], 3, "GET /a, GET /b reset, GET /b again")
        XCTAssertEqual(seen["PUT"], 2, "PUT reset, PUT again")
    }

    func testPostOnAResetKeptAliveConnectionIsNotRetried() async throws {
        _ = try await send("GET", "/a", on: client!)
        do {
            _ = try await send("POST", "/b", on: client!)
            XCTFail("a POST on a reset connection must fail, not be sent again")
        } catch let error as any CodedError {
            XCTAssertTrue(["upstream_unreachable", "upstream_disconnected"].contains(error.code), "\(error)")
        }
        let seen = try await counts()
        XCTAssertEqual(seen["POST"], 1, "the POST reached the server once")
    }
}
