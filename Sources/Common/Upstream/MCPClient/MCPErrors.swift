import Foundation
import JunctionCore

/// Errors shared by the MCP transports.
enum MCPErrors {
    /// The upstream refused Junction's credentials (or wants some).
    package static func unauthorized(_ status: Int, url: URL) -> UpstreamError {
        UpstreamError.unauthorized("\(url.host ?? "the MCP server") answered HTTP \(status): the source's credentials are missing or were rejected")
    }

    /// A JSON-RPC error from the upstream.
    package static func rpc(_ method: String, code: Int, message: String, host: String) -> UpstreamError {
        UpstreamError.failed("\(host) answered \(method) with error \(code): \(message)")
    }
}
