import Foundation

/// Headers that authenticate Junction to one MCP source, and the only origin they may
/// be sent to (the origin of the source's URL).
package struct MCPCredentials: Sendable {
    package var headers: [(String, String)]
    package var origin: String

    package init(headers: [(String, String)], for url: URL) {
        self.headers = headers
        self.origin = UpstreamHTTP.origin(url)
    }

    package static func none(for url: URL) -> MCPCredentials { MCPCredentials(headers: [], for: url) }

    /// The headers to add to a request for `url`: none unless it is the source's origin.
    package func headers(for url: URL) -> [(String, String)] {
        UpstreamHTTP.origin(url) == origin ? headers : []
    }

    /// Lower-cased names of the credential headers (dropped on cross-origin redirects).
    package var sensitiveNames: Set<String> { Set(headers.map { $0.0.lowercased() }) }
}
