import Foundation
import HTTPTypes
import Hummingbird

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
