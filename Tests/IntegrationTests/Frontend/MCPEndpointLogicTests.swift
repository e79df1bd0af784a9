import Config
import Configuration
import Foundation
@testable import Frontend
import JunctionCore
import XCTest

@testable import Frontend

/// The pure parts of /mcp: JSON-RPC parsing, era classification, and the 2026-07-28
/// envelope/header checks in the order the transport spec implies.
final class MCPEndpointLogicTests: XCTestCase {
    private let meta: JSONValue = ["io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                   "io.modelcontextprotocol/clientCapabilities": .object([:])]

    private func code(_ text: String) -> Int? {
        if case .failure(let r) = JSONRPCRequest.parse(Data(text.utf8)) { return r.code }
        return nil
    }

    func testJSONRPCParsing() throws {
        XCTAssertEqual(code("{oops"), -32700)
        XCTAssertEqual(code("[]"), -32600)
        XCTAssertEqual(code("3"), -32600)
        XCTAssertEqual(code(#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#), -32600)
        XCTAssertEqual(code(#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#), -32600)
        XCTAssertEqual(code(#"{"jsonrpc":"2.0","id":1,"method":""}"#), -32600)
        XCTAssertEqual(code(#"{"jsonrpc":"2.0","id":1,"method":"x","params":"p"}"#), -32602)
        guard case .success(let n) = JSONRPCRequest.parse(Data(#"{"jsonrpc":"2.0","method":"notifications/cancelled"}"#.utf8)) else {
            return XCTFail("notification")
        }
        XCTAssertTrue(n.isNotification)
        guard case .success(let r) = JSONRPCRequest.parse(Data(#"{"jsonrpc":"2.0","id":"a","result":{}}"#.utf8)) else {
            return XCTFail("response")
        }
        XCTAssertNil(r.method)
    }

    func testEraClassification() {
        XCTAssertEqual(ProtocolEra.classify(method: "initialize", params: ["_meta": meta], sessionHeader: nil, versionHeader: "2026-07-28"), .handshake)
        XCTAssertEqual(ProtocolEra.classify(method: "tools/list", params: [:], sessionHeader: "s", versionHeader: "2025-11-25"), .handshake)
        XCTAssertEqual(ProtocolEra.classify(method: "tools/list", params: ["_meta": meta], sessionHeader: nil, versionHeader: "2026-07-28"), .modern)
        XCTAssertEqual(ProtocolEra.classify(method: "server/discover", params: [:], sessionHeader: nil, versionHeader: nil), .modern)
        XCTAssertEqual(ProtocolEra.classify(method: "tools/list", params: [:], sessionHeader: nil, versionHeader: "2099-01-01"), .modern)
        XCTAssertEqual(ProtocolEra.classify(method: "tools/list", params: [:], sessionHeader: nil, versionHeader: "2025-06-18"), .handshake)
        XCTAssertEqual(ProtocolEra.classify(method: "tools/list", params: [:], sessionHeader: nil, versionHeader: nil), .handshake)
    }

    private func check(_ method: String, params: JSONValue, version: String? = "2026-07-28", methodHeader: String? = nil,
                       name: String? = nil) -> Int? {
        let headers = ModernRequest.Headers(protocolVersion: version, method: methodHeader ?? method, name: name)
        if case .failure(let r) = ModernRequest.validate(method: method, params: params, headers: headers, supported: ["2026-07-28"]) {
            return r.code
        }
        return nil
    }

    func testModernEnvelopeAndHeaderChecks() {
        XCTAssertNil(check("tools/list", params: ["_meta": meta]))
        XCTAssertEqual(check("tools/list", params: [:]), -32602)
        XCTAssertEqual(check("tools/list", params: ["_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28"]]), -32602)
        XCTAssertEqual(check("tools/list", params: ["_meta": meta], version: nil), -32020)
        XCTAssertEqual(check("tools/list", params: ["_meta": meta], version: "2025-11-25"), -32020)
        XCTAssertEqual(check("tools/list", params: ["_meta": meta], methodHeader: "tools/call"), -32020)
        let call: JSONValue = ["name": "execute", "_meta": meta]
        XCTAssertEqual(check("tools/call", params: call), -32020)
        XCTAssertEqual(check("tools/call", params: call, name: "search"), -32020)
        XCTAssertNil(check("tools/call", params: call, name: "execute"))
        XCTAssertNil(check("tools/call", params: call, name: "=?base64?ZXhlY3V0ZQ==?="))
        XCTAssertEqual(check("tools/call", params: call, name: "=?base64?not base64?="), -32020)
        let future: JSONValue = ["_meta": ["io.modelcontextprotocol/protocolVersion": "2099-01-01",
                                           "io.modelcontextprotocol/clientCapabilities": .object([:])]]
        XCTAssertEqual(check("tools/list", params: future, version: "2099-01-01"), -32022)
        let headers = ModernRequest.Headers(protocolVersion: "2099-01-01", method: "tools/list", name: nil)
        guard case .failure(let r) = ModernRequest.validate(method: "tools/list", params: future, headers: headers, supported: ["2026-07-28"],
                                                            advertised: ["2026-07-28", "2025-11-25"]) else { return XCTFail() }
        XCTAssertEqual(r.data?["supported"], ["2026-07-28", "2025-11-25"])
        XCTAssertEqual(r.data?["requested"], "2099-01-01")
    }

    func testHeaderValueDecoding() {
        XCTAssertEqual(ModernRequest.decodeHeaderValue("plain"), "plain")
        XCTAssertEqual(ModernRequest.decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?="), "Hello, 世界")
        XCTAssertNil(ModernRequest.decodeHeaderValue("=?base64?%%%?="))
    }

    func testAMalformedRateLimitStopsStartupInsteadOfFallingBack() throws {
        let r = ConfigurationKey.rateLimitPerSecond
        XCTAssertEqual(try ConfigReader(environment: [r.variable: "2.5"]).double(r, default: 20), 2.5)
        XCTAssertEqual(try ConfigReader(environment: [:]).double(r, default: 20), 20)
        for bad in ["fast", "-1", "nan", "inf"] {
            XCTAssertThrowsError(try ConfigReader(environment: [r.variable: bad]).double(r, default: 20), bad)
        }
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        XCTAssertNoThrow(try FrontendConfiguration(reader: ConfigReader(environment: ["JUNCTION_MASTER_KEY": key])))
        XCTAssertThrowsError(try FrontendConfiguration(reader: ConfigReader(environment: ["JUNCTION_MASTER_KEY": key, "JUNCTION_RATE_LIMIT_PER_SECOND": "20/s"]))) {
            XCTAssertTrue("\($0)".contains("JUNCTION_RATE_LIMIT_PER_SECOND"), "\($0)")
        }
    }
}
