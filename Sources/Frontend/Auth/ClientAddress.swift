import Foundation
import HTTPTypes
import Hummingbird
#if canImport(Glibc)
import Glibc
#endif

/// Where an anonymous request comes from, as the abuse throttle keys it: the TCP peer, or —
/// only when that peer is a trusted reverse proxy (`JUNCTION_TRUSTED_PROXIES`) — the
/// nearest `X-Forwarded-For` hop that is not itself a trusted proxy. A client cannot
/// choose its own key by sending `X-Forwarded-For` to Junction directly.
enum ClientAddress {
    /// The throttle key of this request's client (see `throttleKey(_:)`).
    static func throttleKey(_ request: Request, _ context: FrontendContext, trusted: [IPNetwork]) -> String {
        throttleKey(of(request, peer: context.remoteAddress?.ipAddress, trusted: trusted))
    }

    /// The client's IP address for this request, or nil when the peer is unknown.
    static func of(_ request: Request, peer: String?, trusted: [IPNetwork]) -> String? {
        let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return resolve(peer: peer, forwardedFor: forwarded, trusted: trusted)
    }

    /// The client among `peer` and the `X-Forwarded-For` hops (oldest first): walking back
    /// from the peer, the first address that is not a trusted proxy.
    static func resolve(peer: String?, forwardedFor: [String], trusted: [IPNetwork]) -> String? {
        guard let peer, let peerBytes = IPNetwork.bytes(peer) else { return peer }
        var current = IPNetwork.canonical(peerBytes)
        guard trusted.contains(where: { $0.contains(peerBytes) }) else { return current }
        for hop in forwardedFor.reversed() {
            // A hop a proxy could not have written (garbage, ports, names) ends the walk at
            // the last address a trusted proxy vouched for.
            guard let bytes = IPNetwork.bytes(hop) else { return current }
            current = IPNetwork.canonical(bytes)
            if !trusted.contains(where: { $0.contains(bytes) }) { return current }
        }
        return current
    }

    /// The throttle key of an address: an IPv4 address as is; an IPv6 address by its /64
    /// (what one subscriber usually holds, so rotating addresses inside it does not help).
    static func throttleKey(_ address: String?) -> String {
        guard let address, let bytes = IPNetwork.bytes(address) else { return "unknown" }
        if bytes.count == 4 { return IPNetwork.canonical(bytes) }
        return IPNetwork.canonical(Array(bytes.prefix(8)) + Array(repeating: 0, count: 8)) + "/64"
    }
}

/// An IP network (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`) for the trusted-proxy list.
struct IPNetwork: Sendable, Equatable {
    let address: [UInt8]
    let prefixLength: Int

    /// Parses `address` or `address/prefix`; nil when malformed.
    init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let bytes = Self.bytes(first) else { return nil }
        let bits = bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        address = bytes
    }

    /// Whether the address (4 or 16 bytes; IPv4-mapped IPv6 counts as IPv4) is inside.
    func contains(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == address.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address, bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// The 4 or 16 bytes of an IP address literal (brackets allowed; IPv4-mapped IPv6 is
    /// returned as IPv4), or nil.
    static func bytes(_ text: String) -> [UInt8]? {
        var s = text
        if s.hasPrefix("["), s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        if let zone = s.firstIndex(of: "%") { s = String(s[..<zone]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, s, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes.prefix(10).allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes.suffix(4)) }
        return bytes
    }

    /// The canonical text of 4 or 16 address bytes.
    static func canonical(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { return bytes.map(String.init).joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
