import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1
import TestSupport
import Upstream
@testable import Worker
import XCTest

/// `MCPClient` against the FastMCP fixture server (Tests/e2e/mcp_fixture_server.py,
/// from .venv-fastmcp): detection, session reuse and failure modes.
final class MCPClientTests: XCTestCase {
    static let python = TestEnvironment.repoRoot.appendingPathComponent(".venv-fastmcp/bin/python").path
    static let fixture = TestEnvironment.repoRoot.appendingPathComponent("Tests/e2e/mcp_fixture_server.py").path

    private var servers: [ChildProcess] = []
    private var client: HTTPClient!
    private var http: StreamingUpstream!

    override func setUp() async throws {
        client = UpstreamHTTP.makeClient()
        http = StreamingUpstream(client: client, policy: OutboundPolicy(allowLoopbackHTTP: true))
    }

    override func tearDown() async throws {
        for s in servers { s.kill() }
        try await client.shutdown()
    }

    func testForgottenSessionIsReinitialisedOnce() async throws {
        let port = try await startFixture(["--transport", "http"])
        let handshakeEra = MCPConnectionInfo(transport: .streamableHTTP, protocolVersion: "2025-11-25")
        let c = mcp("http://127.0.0.1:\(port)/mcp", remembered: handshakeEra)
        let first = try await c.callTool(name: "add", arguments: ["a": 1, "b": 2], timeout: .seconds(5))
        XCTAssertEqual(first["structuredContent"]?["result"], 3)
        // Restart the server on the same port: it no longer knows our Mcp-Session-Id (404).
        servers.removeLast().kill()
        _ = try await startFixture(["--transport", "http"], port: port)
        let second = try await c.callTool(name: "add", arguments: ["a": 2, "b": 2], timeout: .seconds(5))
        XCTAssertEqual(second["structuredContent"]?["result"], 4)
        let handshakes = await c.handshakes
        XCTAssertEqual(handshakes, 2, "one initialize, then one more after the 404")
    }

    private func startFixture(_ args: [String], port fixed: Int? = nil) async throws -> Int {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw TestSetupError(message: "\(Self.python) missing: run ops/test (it creates .venv-fastmcp)")
        }
        let port = fixed ?? TestEnvironment.freePort()
        let dir = TestEnvironment.temporaryDirectory()
        let proc = try ChildProcess(Self.python, [Self.fixture, "--port", "\(port)"] + args, environment: [:],
                                    log: dir.appendingPathComponent("server.log"))
        servers.append(proc)
        for _ in 0..<200 {
            if let r = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/stats"), timeout: .seconds(1)), r.status.code > 0 {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError(message: "fixture did not start:\n\(proc.log)")
    }

    private func mcp(_ url: String, remembered: MCPConnectionInfo? = nil, maxBytes: Int = 1_000_000) -> MCPClient {
        MCPClient(http: http, url: URL(string: url)!, credentials: .none(for: URL(string: url)!),
                  options: .init(maxMessageBytes: maxBytes, requestTimeout: .seconds(10), remembered: remembered))
    }

    func testStreamableHTTPModernNegotiationListsAllToolsAndCalls() async throws {
        let port = try await startFixture(["--transport", "http"])
        let c = mcp("http://127.0.0.1:\(port)/mcp")
        let info = try await c.connect()
        XCTAssertEqual(info.transport, .streamableHTTP)
        XCTAssertEqual(info.protocolVersion, MCPProtocol.modern)
        let tools = try await c.listTools()
        XCTAssertEqual(tools.count, 17)
        for i in 0..<5 {
            let r = try await c.callTool(name: "add", arguments: ["a": .number(Double(i)), "b": 1], timeout: .seconds(5))
            XCTAssertEqual(r["structuredContent"]?["result"], .number(Double(i + 1)))
        }
        let handshakes = await c.handshakes
        XCTAssertEqual(handshakes, 1, "only the first server/discover")
        let progress = try await c.callTool(name: "slow_progress", arguments: ["steps": 3], timeout: .seconds(5))
        XCTAssertEqual(try MCPToolResult.value(of: progress, tool: "p"), ["result": "done after 3 steps"])
    }

    func testLegacySSEIsDetectedAndReused() async throws {
        let port = try await startFixture(["--transport", "sse"])
        let c = mcp("http://127.0.0.1:\(port)/sse")
        let info = try await c.connect()
        XCTAssertEqual(info.transport, .sse)
        let tools = try await c.listTools()
        XCTAssertEqual(tools.count, 17)
        let r = try await c.callTool(name: "echo", arguments: ["text": "hi"], timeout: .seconds(5))
        XCTAssertEqual(try MCPToolResult.value(of: r, tool: "echo"), ["result": "hi"])
        let handshakes = await c.handshakes
        XCTAssertEqual(handshakes, 3, "discover, initialize (both refused), then the SSE stream")
        await c.close()
        // Remembered: straight to SSE.
        let again = mcp("http://127.0.0.1:\(port)/sse", remembered: info)
        _ = try await again.callTool(name: "add", arguments: ["a": 1, "b": 2], timeout: .seconds(5))
        let second = await again.handshakes
        XCTAssertEqual(second, 1)
        await again.close()
    }

    func testTimeoutAndSizeCapFailClearly() async throws {
        let port = try await startFixture(["--transport", "http"])
        let c = mcp("http://127.0.0.1:\(port)/mcp", maxBytes: 100_000)
        let started = ContinuousClock.now
        do {
            _ = try await c.callTool(name: "hang", arguments: ["seconds": 30], timeout: .milliseconds(500))
            XCTFail("no timeout")
        } catch let e as any CodedError {
            XCTAssertEqual(e.code, "upstream_timeout")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        do {
            _ = try await c.callTool(name: "huge", arguments: ["megabytes": 1], timeout: .seconds(10))
            XCTFail("no size error")
        } catch let e as any CodedError {
            XCTAssertEqual(e.code, "upstream_too_large")
        }
        let r = try await c.callTool(name: "add", arguments: ["a": 1, "b": 1], timeout: .seconds(5))
        XCTAssertEqual(r["structuredContent"]?["result"], 2)
    }
}
