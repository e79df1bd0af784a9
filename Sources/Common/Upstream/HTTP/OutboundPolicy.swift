import Foundation
#if canImport(Glibc)
import Glibc
import JunctionCore
#endif

/// Decides which upstream URLs Junction may connect to (SSRF protection). Production
/// default: HTTPS only, and the host must resolve only to public addresses. The
/// development setting additionally allows loopback hosts, over plain HTTP too.
///
/// `check` resolves the host once and returns the addresses it checked; `UpstreamHTTP`
/// connects to one of those (see `ConnectionPins`), never to a second resolution, so a
/// name that answers differently the next time (DNS rebinding) cannot redirect it.
package struct OutboundPolicy: Sendable {
    package var allowLoopbackHTTP: Bool
    /// How host names are resolved (the system resolver; tests inject others).
    package var resolver: HostResolver

    package init(allowLoopbackHTTP: Bool = false, resolver: HostResolver = .system) {
        self.allowLoopbackHTTP = allowLoopbackHTTP
        self.resolver = resolver
    }

    /// Throws `outbound_forbidden` unless `url` may be fetched; returns where it may
    /// connect: the host as the URL names it and every address it resolved to (all allowed).
    @discardableResult
    package func check(_ url: URL) async throws -> CheckedTarget {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw Self.forbidden("only https URLs may be fetched: \(Self.redacted(url))")
        }
        guard var host = url.host, !host.isEmpty else { throw Self.forbidden("URL has no host: \(Self.redacted(url))") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard url.user == nil, url.password == nil else { throw Self.forbidden("URLs with credentials are not allowed") }
        let literal = IPAddress(host)
        let addresses: [IPAddress]
        if let literal { addresses = [literal] } else { addresses = await resolver.resolve(host) }
        guard !addresses.isEmpty else { throw UpstreamError.unreachable("cannot resolve host \(host)") }
        for address in addresses {
            switch address.classification {
            case .public:
                if scheme != "https" { throw Self.forbidden("plain http is only allowed for loopback hosts in development mode: \(Self.redacted(url))") }
            case .loopback where allowLoopbackHTTP:
                continue
            case let c:
                throw Self.forbidden("\(host) resolves to a \(c.rawValue) address (\(address.text)); Junction only connects to public addresses"
                    + (c == .loopback ? " (set JUNCTION_ALLOW_LOOPBACK_HTTP=1 for local development)" : ""))
            }
        }
        return CheckedTarget(host: host, addresses: addresses, isLiteral: literal != nil)
    }

    /// A URL for an error message: without its query, which may carry an API key.
    package static func redacted(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.query = nil
        components?.fragment = nil
        components?.user = nil
        components?.password = nil
        return components?.string ?? (url.host ?? "URL")
    }

    private static func forbidden(_ message: String) -> UpstreamError {
        UpstreamError.outboundForbidden(message)
    }

    /// Resolves a host name with getaddrinfo, off Swift concurrency's cooperative pool
    /// (getaddrinfo blocks).
    package static func systemResolve(_ host: String) async -> [IPAddress] {
        await withCheckedContinuation { cont in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
                    cont.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(first) }
                var out: [IPAddress] = []
                var cursor: UnsafeMutablePointer<addrinfo>? = first
                while let ai = cursor {
                    if let sa = ai.pointee.ai_addr {
                        if ai.pointee.ai_family == AF_INET {
                            sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                                let v = UInt32(bigEndian: $0.pointee.sin_addr.s_addr)
                                out.append(.v4(v))
                            }
                        } else if ai.pointee.ai_family == AF_INET6 {
                            sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                                var a = $0.pointee.sin6_addr
                                let bytes = withUnsafeBytes(of: &a) { Array($0) }
                                out.append(.v6(bytes))
                            }
                        }
                    }
                    cursor = ai.pointee.ai_next
                }
                cont.resume(returning: out)
            }
        }
    }
}

/// Resolves host names to addresses for `OutboundPolicy`.
package struct HostResolver: Sendable {
    package let resolve: @Sendable (String) async -> [IPAddress]

    package init(_ resolve: @escaping @Sendable (String) async -> [IPAddress]) {
        self.resolve = resolve
    }

    /// getaddrinfo, as every other program on the host resolves names.
    package static let system = HostResolver { await OutboundPolicy.systemResolve($0) }
}

/// What `OutboundPolicy.check` allowed: a host and the addresses it resolved to now.
package struct CheckedTarget: Sendable, Equatable {
    /// The URL's host (IPv6 without brackets), as AsyncHTTPClient reads it from the URL.
    package var host: String
    /// Every address the host resolved to, each allowed by the policy, in resolver order.
    package var addresses: [IPAddress]
    /// Whether the host is an IP literal (nothing to resolve, nothing to pin).
    package var isLiteral: Bool
}

/// An IPv4 or IPv6 address and what kind of network it belongs to.
package enum IPAddress: Sendable, Hashable {
    case v4(UInt32)
    case v6([UInt8])

    package enum Classification: String, Sendable {
        case `public`, loopback, `private`, linkLocal = "link-local", cgnat = "carrier-grade NAT", multicast,
             unspecified, reserved, uniqueLocal = "unique-local", metadata = "cloud metadata"
    }

    /// Parses a literal address.
    package init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
        } else {
            return nil
        }
    }

    package var text: String {
        switch self {
        case .v4(let a): return "\(a >> 24).\((a >> 16) & 255).\((a >> 8) & 255).\(a & 255)"
        case .v6(let b): return stride(from: 0, to: 16, by: 2).map { String(format: "%x", Int(b[$0]) << 8 | Int(b[$0 + 1])) }.joined(separator: ":")
        }
    }

    package var classification: Classification {
        switch self {
        case .v4(let a): return Self.classify4(a)
        case .v6(let b):
            if b.allSatisfy({ $0 == 0 }) { return .unspecified }
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
            // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d and NAT64 64:ff9b::/96 carry an IPv4 address.
            let tail = UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15])
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return Self.classify4(tail) }
            if b[0..<12].allSatisfy({ $0 == 0 }) { return Self.classify4(tail) }
            if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) { return Self.classify4(tail) }
            // 6to4 (2002::/16) carries an IPv4 address in bits 16-48.
            if b[0] == 0x20 && b[1] == 0x02 {
                return Self.classify4(UInt32(b[2]) << 24 | UInt32(b[3]) << 16 | UInt32(b[4]) << 8 | UInt32(b[5]))
            }
            // Local-use NAT64 (64:ff9b:1::/48), Teredo (2001::/32), ORCHID and discard-only (100::/64) never name a public host directly.
            if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1 { return .reserved }
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0 { return .reserved }
            if b[0] == 0x01 && b[1] == 0x00 && b[2..<8].allSatisfy({ $0 == 0 }) { return .reserved }
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && (b[3] & 0xf0) == 0x10 { return .reserved }
            if b[0] & 0xfe == 0xfc { return b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 ? .metadata : .uniqueLocal }
            if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .linkLocal }
            if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return .reserved }  // deprecated site-local
            if b[0] == 0xff { return .multicast }
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .reserved }  // documentation
            return .public
        }
    }

    private static func classify4(_ a: UInt32) -> Classification {
        func inNet(_ net: UInt32, _ bits: UInt32) -> Bool { a >> (32 - bits) == net >> (32 - bits) }
        // 169.254.169.254 (AWS, GCP, Azure …), 169.254.170.2 (ECS task credentials), 100.100.100.200 (Alibaba), 192.0.0.192 (Oracle)
        if a == 0xA9FE_A9FE || a == 0xA9FE_AA02 || a == 0x6464_64C8 || a == 0xC000_00C0 { return .metadata }
        if inNet(0x7F00_0000, 8) { return .loopback }
        if inNet(0x0000_0000, 8) { return .unspecified }
        if inNet(0x0A00_0000, 8) || inNet(0xAC10_0000, 12) || inNet(0xC0A8_0000, 16) { return .private }
        if inNet(0xA9FE_0000, 16) { return .linkLocal }
        if inNet(0x6440_0000, 10) { return .cgnat }
        if inNet(0xE000_0000, 4) { return .multicast }
        if inNet(0xF000_0000, 4) { return .reserved }
        if inNet(0xC000_0000, 24) || inNet(0xC000_0200, 24) || inNet(0xC612_0000, 15) || inNet(0xC633_6400, 24) || inNet(0xCB00_7100, 24) {
            return .reserved  // IETF protocol assignments, TEST-NETs, benchmarking
        }
        return .public
    }
}
