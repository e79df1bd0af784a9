import Foundation

/// The origin of an http(s) URL — scheme, host and port — in one canonical spelling: what
/// a source's secret is bound to. Two spellings are the same origin only when they name
/// the same server the same way: scheme and host compare case-insensitively, an absent
/// port equals the scheme's default, and an IP literal compares by its address (`[0::1]`
/// is `[::1]`). Everything else is another origin — a trailing dot, another port, an
/// IPv4-mapped spelling of an IPv4 address, another name for the same address — so a
/// secret never goes to a spelling the user did not enter.
package struct Origin: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`.
    package let scheme: String
    /// Lower-cased host name, or an IP address in canonical form (IPv6 without brackets).
    package let host: String
    package let port: Int

    /// The origin of `url`; nil unless it is an http(s) URL with a host.
    package init?(_ url: URL) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return nil }
        guard var host = url.host, !host.isEmpty else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        host = host.lowercased()
        if let address = IPAddress(host) { host = address.canonicalText }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// The origin of the URL `text` (an origin, or any URL on it).
    package init?(string text: String) {
        guard let url = URL(string: text) else { return nil }
        self.init(url)
    }

    /// `scheme://host:port` with the port always written: the form stored next to a secret
    /// and authenticated with it.
    package var serialized: String { "\(scheme)://\(hostForURL):\(port)" }

    /// `scheme://host[:port]` as people write it (the default port left out).
    package var description: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? "\(scheme)://\(hostForURL)" : serialized
    }

    private var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
}

extension IPAddress {
    /// The address in canonical text: dotted quad, or RFC 5952 IPv6 (lower-case hex,
    /// leading zeros dropped, the longest run of two or more zero groups as `::`).
    package var canonicalText: String {
        guard case .v6(let b) = self else { return text }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(b[$0]) << 8 | Int(b[$0 + 1]) }
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
