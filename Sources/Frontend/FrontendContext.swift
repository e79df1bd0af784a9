import Hummingbird
import JunctionCore
import NIOCore

/// The request context of every frontend route: Hummingbird's core context, the peer
/// address of the connection (the anonymous-abuse throttle keys on it), and the identity the
/// route group's authentication middleware established (`ManagementAuthMiddleware`,
/// `MCPAuthMiddleware`, `DashboardPageMiddleware`).
struct FrontendContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The TCP peer (a reverse proxy when Junction runs behind one; see `ClientAddress`).
    let remoteAddress: SocketAddress?
    /// Set by authentication middleware; nil on routes that take no credentials.
    var identity: Identity?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The identity, or 401 when the route was registered outside an authenticated group
    /// (a wiring mistake must refuse, never serve anonymously).
    func requireIdentity() throws -> Identity {
        guard let identity else { throw JunctionError.unauthorized("missing Authorization: Bearer <token> header") }
        return identity
    }
}
