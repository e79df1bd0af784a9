import CHiredis
import Glibc

/// Opens the hiredis context a `RedisConnection` talks through: TCP, a Unix socket, or
/// TLS (`rediss://`, through `RedisTLSTunnel`, which hands hiredis a plain local socket).
/// Nothing is sent yet; `RedisHandshake` says what goes first.
enum RedisTransport {
    /// A connected context, or the error (the URL in it is redacted).
    static func connect(_ url: RedisURL, timeout: Duration) throws -> UnsafeMutablePointer<redisContext> {
        let tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        let ctx: UnsafeMutablePointer<redisContext>?
        switch url.scheme {
        case .redis: ctx = redisConnectWithTimeout(url.host, Int32(url.port), tv)
        case .unix: ctx = redisConnectUnixWithTimeout(url.path, tv)
        case .rediss:
            let fd: Int32
            do {
                fd = try RedisTLSTunnel.open(host: url.host, port: url.port, options: url.tls ?? RedisTLSOptions(), timeout: timeout)
            } catch let error as RedisError {
                throw RedisError(kind: error.kind, message: "cannot connect to \(url): \(error.message)", code: error.code)
            }
            ctx = redisConnectFd(fd)
            if ctx == nil { Glibc.close(fd) }
        }
        guard let ctx else { throw RedisError(kind: .connection, message: "cannot allocate redis context") }
        if ctx.pointee.err != 0 {
            let message = withUnsafePointer(to: ctx.pointee.errstr) {
                $0.withMemoryRebound(to: CChar.self, capacity: 128) { String(cString: $0) }
            }
            redisFree(ctx)
            throw RedisError(kind: .connection, message: "cannot connect to \(url): \(message.isEmpty ? "connection failed" : message)")
        }
        // TCP keep-alive only where hiredis has the TCP socket (a Unix socket refuses the TCP
        // options and hiredis would mark the context failed); the TLS tunnel sets its own.
        if url.scheme == .redis { redisEnableKeepAlive(ctx) }
        return ctx
    }
}
