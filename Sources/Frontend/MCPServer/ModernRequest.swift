import Foundation
import JunctionCore
import Upstream

/// The per-request envelope of the stateless revision (2026-07-28): every request
/// carries its protocol version, client capabilities and client info in `_meta`, and
/// mirrors its version, method and name into headers that must agree with the body.
struct ModernRequest: Sendable, Equatable {
    static let versionKey = "io.modelcontextprotocol/protocolVersion"
    static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    /// Methods whose `Mcp-Name` header mirrors a body parameter, and which one.
    static let nameParameter = ["tools/call": "name", "prompts/get": "name", "resources/read": "uri"]

    var protocolVersion: String
    var clientCapabilities: JSONValue
    var clientInfo: JSONValue?

    /// A JSON-RPC error that refuses the request before it is handled (HTTP 400).
    struct Rejection: Error, Equatable {
        var code: Int
        var message: String
        var data: JSONValue?
    }

    /// The transport headers the envelope is checked against.
    struct Headers: Sendable {
        var protocolVersion: String?
        var method: String?
        var name: String?
    }

    /// Validates in the order the transport spec implies: the envelope must be
    /// present (-32602), the headers must agree with it (-32020 `HeaderMismatch`, so a
    /// client that disagrees with itself is told so), then the version must be served
    /// (-32022 `UnsupportedProtocolVersion`, listing `advertised`: every version the
    /// server speaks, including those that need `initialize`).
    static func validate(method: String, params: JSONValue, headers: Headers, supported: [String],
                         advertised: [String]? = nil) -> Result<ModernRequest, Rejection> {
        guard case .object(let meta)? = params["_meta"] else {
            return .failure(Rejection(code: JSONRPC.invalidParams,
                                      message: "params._meta must be an object carrying \(versionKey) and \(capabilitiesKey)"))
        }
        let missing = [versionKey, capabilitiesKey].filter { meta[$0] == nil }
        guard missing.isEmpty else {
            return .failure(Rejection(code: JSONRPC.invalidParams, message: "params._meta is missing \(missing.joined(separator: ", "))"))
        }
        let version = meta[versionKey]!
        guard let header = headers.protocolVersion else {
            return .failure(Rejection(code: MCPProtocol.headerMismatch, message: "Header mismatch: the MCP-Protocol-Version header is missing"))
        }
        guard version.stringValue == header else {
            return .failure(Rejection(code: MCPProtocol.headerMismatch,
                                      message: "Header mismatch: MCP-Protocol-Version header '\(header)' does not match _meta protocol version \(version.jsonString())"))
        }
        guard let methodHeader = headers.method else {
            return .failure(Rejection(code: MCPProtocol.headerMismatch, message: "Header mismatch: the Mcp-Method header is missing"))
        }
        guard methodHeader == method else {
            return .failure(Rejection(code: MCPProtocol.headerMismatch,
                                      message: "Header mismatch: Mcp-Method header value '\(methodHeader)' does not match body value '\(method)'"))
        }
        if let key = nameParameter[method], let bodyValue = params[key]?.stringValue {
            guard let raw = headers.name else {
                return .failure(Rejection(code: MCPProtocol.headerMismatch, message: "Header mismatch: the Mcp-Name header is missing (required for \(method))"))
            }
            guard let decoded = decodeHeaderValue(raw), decoded == bodyValue else {
                return .failure(Rejection(code: MCPProtocol.headerMismatch,
                                          message: "Header mismatch: Mcp-Name header value '\(raw)' does not match body value '\(bodyValue)'"))
            }
        }
        guard let versionString = version.stringValue else {
            return .failure(Rejection(code: JSONRPC.invalidParams, message: "the _meta protocol version must be a string"))
        }
        guard supported.contains(versionString) else {
            return .failure(Rejection(code: MCPProtocol.unsupportedProtocolVersion, message: "Unsupported protocol version: \(versionString)",
                                      data: ["supported": .array((advertised ?? supported).map { .string($0) }), "requested": .string(versionString)]))
        }
        guard case .object = meta[capabilitiesKey]! else {
            return .failure(Rejection(code: JSONRPC.invalidParams, message: "\(capabilitiesKey) must be an object"))
        }
        return .success(ModernRequest(protocolVersion: versionString, clientCapabilities: meta[capabilitiesKey]!, clientInfo: meta[clientInfoKey]))
    }

    /// A header value as sent: plain, or the `=?base64?…?=` sentinel form; nil when the
    /// sentinel does not decode to UTF-8, so a corrupt header never matches.
    static func decodeHeaderValue(_ value: String) -> String? {
        guard value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.count >= 11 else { return value }
        let payload = String(value.dropFirst(9).dropLast(2))
        guard let data = Data(base64Encoded: payload), data.base64EncodedString() == payload else { return nil }
        return String(data: data, encoding: .utf8)
    }
}

/// Which generation of the protocol a POST to /mcp speaks.
enum ProtocolEra: Sendable, Equatable {
    /// 2026-07-28: stateless, per-request `_meta`.
    case modern
    /// 2025-03-26 … 2025-11-25: `initialize` and `Mcp-Session-Id`.
    case handshake

    /// `initialize` and anything with a session belong to the handshake era; a request
    /// carrying the per-request envelope, `server/discover`, or a version header that is
    /// not a handshake version is modern (and then checked strictly, so an unknown
    /// version gets `UnsupportedProtocolVersion`, not a session error).
    static func classify(method: String, params: JSONValue, sessionHeader: String?, versionHeader: String?) -> ProtocolEra {
        if method == "initialize" || sessionHeader != nil { return .handshake }
        if params["_meta"]?[ModernRequest.versionKey] != nil || method == "server/discover" { return .modern }
        if let versionHeader, !MCPEndpoint.handshakeVersions.contains(versionHeader) { return .modern }
        return .handshake
    }
}
