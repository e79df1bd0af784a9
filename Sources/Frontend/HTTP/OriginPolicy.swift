import Foundation
import JunctionCore

/// Which browser origins may call the MCP routes (DNS-rebinding protection): Junction's
/// own origin, loopback, and the configured `JUNCTION_ALLOWED_ORIGINS`.
struct OriginPolicy: Sendable {
    let publicURL: String
    let allowed: Set<String>

    /// nil when `origin` may call; else the reason it may not.
    func refusal(for origin: String) -> String? {
        let origin = origin.lowercased()
        if origin == "null" { return "requests from opaque origins are not allowed" }
        if allowed.contains(origin) { return nil }
        if let own = URL(string: publicURL), own.originString.lowercased() == origin { return nil }
        if let url = URL(string: origin), let host = url.host?.lowercased(), ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host) {
            return nil
        }
        return "origin \(origin) is not allowed"
    }
}
