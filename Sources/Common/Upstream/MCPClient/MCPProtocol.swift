import Foundation
import JunctionCore

/// Protocol constants of the MCP client side.
package enum MCPProtocol {
    /// The stateless revision: `server/discover` and per-request `_meta`, no handshake.
    package static let modern = "2026-07-28"
    /// Revisions that need the `initialize` handshake, newest first.
    package static let handshakeVersions = ["2025-11-25", "2025-06-18", "2025-03-26"]
    /// The legacy HTTP+SSE transport's revision (spoken with `initialize` too).
    package static let legacySSE = "2024-11-05"

    package static let clientInfo: JSONValue = ["name": "Junction", "version": "0.1.0"]

    /// `initialize` params: the newest handshake revision, no capabilities.
    package static let initializeParams: JSONValue = ["protocolVersion": .string(handshakeVersions[0]), "capabilities": .object([:]),
                                                      "clientInfo": clientInfo]

    /// JSON-RPC error codes the modern revision defines for transport-level rejections.
    package static let unsupportedProtocolVersion = -32022
    package static let missingClientCapability = -32021
    package static let headerMismatch = -32020

    /// `_meta` every request of the modern revision carries.
    package static func requestMeta(version: String) -> JSONValue {
        ["io.modelcontextprotocol/protocolVersion": .string(version),
         "io.modelcontextprotocol/clientInfo": clientInfo,
         "io.modelcontextprotocol/clientCapabilities": .object([:])]
    }

    /// A header value as the transport requires: plain when it is printable ASCII without
    /// edge whitespace, else the `=?base64?…?=` sentinel form.
    package static func headerValue(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value <= 0x7E }
            && text.first != " " && text.last != " "
            && !(text.hasPrefix("=?base64?") && text.hasSuffix("?="))
        return plain ? text : "=?base64?\(Data(text.utf8).base64EncodedString())?="
    }

    /// `Mcp-Param-*` headers for a `tools/call`, from `x-mcp-header` marks in the tool's
    /// input schema (reachable through `properties` only; primitive values only).
    package static func parameterHeaders(schema: JSONValue, arguments: JSONValue) -> [(String, String)] {
        var out: [(String, String)] = []
        func walk(_ schema: JSONValue, _ value: JSONValue?) {
            guard let properties = schema["properties"]?.objectValue else { return }
            for key in properties.keys.sorted() {
                let sub = properties[key]!
                let v = value?[key]
                if let name = sub["x-mcp-header"]?.stringValue, isToken(name), let v {
                    switch v {
                    case .string(let s): out.append(("Mcp-Param-\(name)", headerValue(s)))
                    case .bool(let b): out.append(("Mcp-Param-\(name)", b ? "true" : "false"))
                    case .number(let n) where n.rounded() == n && abs(n) < 9_007_199_254_740_992:
                        out.append(("Mcp-Param-\(name)", String(Int64(n))))
                    default: break
                    }
                }
                if sub["properties"] != nil { walk(sub, v) }
            }
        }
        walk(schema, arguments)
        return out
    }

    private static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy {
            ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "!#$%&'*+-.^_`|~".unicodeScalars.contains($0)
        }
    }
}
