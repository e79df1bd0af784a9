import Foundation

/// One HTTP request to an upstream API, built from a sandbox call but not yet sent.
package struct OpenAPIRequest: Sendable {
    package var method: String
    package var url: URL
    package var headers: [(String, String)]
    package var body: Data?
    /// Headers that carry the credential (dropped if a redirect leaves the origin).
    package var sensitiveHeaders: Set<String>

    package func header(_ name: String) -> String? {
        headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}
