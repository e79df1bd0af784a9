import Foundation

/// Redirect URI rules: exact string match against a registered URI, except that a
/// registered plain-http loopback URI (`http://127.0.0.1/cb`, `http://localhost/cb`,
/// `http://[::1]/cb`) matches the same URI on any port (RFC 8252 §7.3).
enum RedirectURIMatcher {
    static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]

    /// Whether `requested` may be used given the client's registered URIs.
    static func matches(_ requested: String, registered: [String]) -> Bool {
        if registered.contains(requested) { return true }
        guard let req = URLComponents(string: requested), req.scheme == "http", req.fragment == nil,
              let host = req.host?.lowercased(), loopbackHosts.contains(host) else { return false }
        return registered.contains { candidate in
            guard let reg = URLComponents(string: candidate), reg.scheme == "http", let regHost = reg.host?.lowercased(),
                  loopbackHosts.contains(regHost) else { return false }
            return regHost == host && reg.percentEncodedPath == req.percentEncodedPath && reg.percentEncodedQuery == req.percentEncodedQuery
                && reg.user == nil && req.user == nil
        }
    }

    /// Whether a URI may be registered: absolute, no fragment, https, http on loopback only,
    /// or a private-use scheme containing a dot (RFC 8252 §7.1, e.g. `com.example.app:/cb`).
    static func isAcceptable(_ uri: String) -> Bool {
        guard uri.count <= 2000, let c = URLComponents(string: uri), let scheme = c.scheme?.lowercased(), c.fragment == nil,
              c.user == nil, c.password == nil else { return false }
        switch scheme {
        case "https": return !(c.host ?? "").isEmpty
        case "http": return loopbackHosts.contains(c.host?.lowercased() ?? "")
        case "javascript", "data", "file", "vbscript", "blob": return false
        default: return scheme.contains(".")
        }
    }

    /// The host (or scheme for private-use URIs) shown on the consent screen.
    static func displayHost(_ uri: String) -> String {
        guard let c = URLComponents(string: uri) else { return uri }
        if let host = c.host, !host.isEmpty { return c.port.map { "\(host):\($0)" } ?? host }
        return (c.scheme ?? uri) + ":"
    }
}
