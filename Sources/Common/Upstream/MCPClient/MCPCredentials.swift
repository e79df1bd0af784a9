import Foundation

/// Headers that authenticate Junction to one MCP source, and the only origin they may
/// be sent to: the origin the secret is bound to (or, for OAuth, the source's URL).
package struct MCPCredentials: Sendable {
    package var headers: [(String, String)]
    /// nil only when there is no valid origin: then the headers go nowhere.
    package var origin: Origin?

    package init(headers: [(String, String)], origin: Origin?) {
        self.headers = headers
        self.origin = origin
    }

    package init(headers: [(String, String)], for url: URL) {
        self.init(headers: headers, origin: Origin(url))
    }

    package static func none(for url: URL) -> MCPCredentials { MCPCredentials(headers: [], for: url) }

    /// The headers to add to a request for `url`: none unless it is on the bound origin.
    package func headers(for url: URL) -> [(String, String)] {
        guard let origin, Origin(url) == origin else { return [] }
        return headers
    }

    /// Lower-cased names of the credential headers (dropped on cross-origin redirects).
    package var sensitiveNames: Set<String> { Set(headers.map { $0.0.lowercased() }) }
}
