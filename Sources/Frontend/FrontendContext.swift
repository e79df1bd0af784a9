import Hummingbird
import NIOCore

/// The request context of every frontend route: Hummingbird's core context plus the peer
/// address of the connection, which the anonymous-abuse throttle keys on.
struct FrontendContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The TCP peer (a reverse proxy when Junction runs behind one; see `ClientAddress`).
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
