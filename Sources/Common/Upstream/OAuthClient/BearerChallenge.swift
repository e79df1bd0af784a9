import Foundation

/// The `Bearer` challenge of a `WWW-Authenticate` header (RFC 6750 §3, RFC 9728 §5.1):
/// where the protected-resource metadata lives and which scope the resource wants.
package struct BearerChallenge: Sendable, Equatable {
    package var resourceMetadata: URL?
    package var scope: String?
    package var error: String?
    package var parameters: [String: String]

    /// Parses a header value; nil when it has no Bearer challenge. Several challenges in
    /// one header (`Basic realm="x", Bearer …`) are allowed; only Bearer is read.
    package init?(header: String) {
        guard let params = Self.bearerParameters(header) else { return nil }
        parameters = params
        resourceMetadata = params["resource_metadata"].flatMap(URL.init(string:))
        scope = params["scope"].flatMap { $0.isEmpty ? nil : $0 }
        error = params["error"]
    }

    /// The auth-params of the Bearer challenge, keys lower-cased.
    static func bearerParameters(_ header: String) -> [String: String]? {
        var scanner = Substring(header)
        var inBearer = false
        var found = false
        var params: [String: String] = [:]
        func skipSpaces() { while let c = scanner.first, c == " " || c == "\t" || c == "," { scanner.removeFirst() } }
        while true {
            skipSpaces()
            guard !scanner.isEmpty else { break }
            // A token: either a scheme name or a parameter name.
            var token = ""
            while let c = scanner.first, c != " ", c != "\t", c != "=", c != "," { token.append(c); scanner.removeFirst() }
            while let c = scanner.first, c == " " || c == "\t" { scanner.removeFirst() }
            if scanner.first == "=" {
                scanner.removeFirst()
                while let c = scanner.first, c == " " || c == "\t" { scanner.removeFirst() }
                var value = ""
                if scanner.first == "\"" {
                    scanner.removeFirst()
                    while let c = scanner.first {
                        scanner.removeFirst()
                        if c == "\\", let next = scanner.first { value.append(next); scanner.removeFirst(); continue }
                        if c == "\"" { break }
                        value.append(c)
                    }
                } else {
                    while let c = scanner.first, c != ",", c != " ", c != "\t" { value.append(c); scanner.removeFirst() }
                    // token68 (`Basic abc==`) ends with `=` signs: keep them on the value.
                }
                if inBearer { params[token.lowercased()] = value }
            } else if !token.isEmpty {
                // A new challenge begins.
                if found && inBearer { break }
                inBearer = token.lowercased() == "bearer"
                if inBearer { found = true }
            }
        }
        return found ? params : nil
    }
}
