import COpenSSL
import Dispatch
import Foundation
import Glibc

/// TLS for `rediss://`, made with the system's OpenSSL and handed to hiredis as a plain
/// local socket.
///
/// Why this shape: Debian 12's hiredis (0.14) has no TLS (`hiredis_ssl` came with 1.0) and
/// no hook to replace its socket reads and writes, and `RedisConnection` is built on the
/// hiredis context (its pipelining, its reply reader, writes straight to its socket). So
/// the TLS connection is made here — the server's certificate checked against
/// `JUNCTION_REDIS_TLS_CA` or the system's trust store, and against the URL's host name or
/// IP address — and bridged to hiredis through a socket pair (`redisConnectFd`). hiredis
/// and the connection's code stay exactly what plain Redis uses, and all of TLS is in this
/// one file. A RESP reader of our own over OpenSSL would have been a second
/// implementation of the reply path, used by TLS only and tested less.
///
/// One thread per TLS connection moves the bytes both ways. Every OpenSSL call of a
/// connection, the handshake included, happens on that thread: one `SSL` is never used by
/// two threads, and SIGPIPE (which OpenSSL's socket writes can raise) is blocked there
/// only. The cost is that thread and one local copy each way.
///
/// Either end closing closes the other: hiredis freeing its context ends the tunnel (with a
/// TLS close_notify); the server closing, or any TLS error, ends hiredis's socket (it reads
/// end-of-file), which the connection sees as a lost connection (and reconnects on its
/// next call).
enum RedisTLSTunnel {
    /// Connects to `host:port`, completes the TLS handshake within `timeout`, and returns
    /// hiredis's end of the bridge. Errors are `RedisError`s of kind `.connection`; one
    /// about the certificate has code `queue_tls_failed`.
    static func open(host: String, port: Int, options: RedisTLSOptions, timeout: Duration) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        let tcp = try connectTCP(host: host, port: port, deadline: deadline)
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            Glibc.close(tcp)
            throw RedisError(kind: .connection, message: "socketpair failed: \(String(cString: strerror(errno)))")
        }
        let (local, remote) = (pair[0], pair[1])
        let outcome = Outcome()
        let thread = Thread {
            var pipe = sigset_t()
            sigemptyset(&pipe)
            sigaddset(&pipe, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipe, nil)
            run(tcp: tcp, local: remote, host: host, options: options, deadline: deadline, outcome: outcome)
        }
        thread.name = "redis-tls"
        thread.start()
        outcome.done.wait()
        if let error = outcome.error {
            Glibc.close(local)
            throw error
        }
        return local
    }

    /// The handshake's result, from the tunnel's thread to the caller of `open`.
    private final class Outcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var error: RedisError?
    }

    /// The tunnel's thread: handshake, then moving bytes until either side closes.
    private static func run(tcp: Int32, local: Int32, host: String, options: RedisTLSOptions, deadline: ContinuousClock.Instant,
                            outcome: Outcome) {
        let ssl: OpaquePointer
        do {
            ssl = try handshake(tcp: tcp, host: host, options: options, deadline: deadline)
        } catch {
            outcome.error = error as? RedisError ?? RedisError(kind: .connection, message: "\(error)")
            Glibc.close(tcp)
            Glibc.close(local)
            outcome.done.signal()
            return
        }
        outcome.done.signal()
        let hiredisClosed = pump(ssl: ssl, tcp: tcp, local: local)
        SSL_free(ssl)
        Glibc.close(tcp)
        if !hiredisClosed { linger(local) }
        Glibc.close(local)
    }

    /// The server is gone but hiredis still has its end: it reads end-of-file, and what it
    /// still writes is swallowed until it closes. Closing our end at once instead would make
    /// its next write raise SIGPIPE, on a thread of its own, and end the process.
    private static func linger(_ local: Int32) {
        shutdown(local, Int32(SHUT_WR))
        var sink = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = sink.withUnsafeMutableBytes { recv(local, $0.baseAddress, $0.count, 0) }
            if n > 0 || (n < 0 && errno == EINTR) { continue }
            return
        }
    }

    // MARK: TCP

    private static func connectTCP(host: String, port: Int, deadline: ContinuousClock.Instant) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw RedisError(kind: .connection, message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let info = next {
            next = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                            info.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0, errno != EINPROGRESS {
                lastError = String(cString: strerror(errno))
                Glibc.close(fd)
                continue
            }
            guard wait(fd, for: Int16(POLLOUT), until: deadline) else {
                lastError = "timed out"
                Glibc.close(fd)
                continue
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            if soError != 0 {
                lastError = String(cString: strerror(soError))
                Glibc.close(fd)
                continue
            }
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<Int32>.size))
            var idle: Int32 = 15  // as hiredis' redisEnableKeepAlive
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, socklen_t(MemoryLayout<Int32>.size))
            return fd
        }
        throw RedisError(kind: .connection, message: lastError)
    }

    /// Waits until `fd` is ready for `events`; false at the deadline.
    private static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return false }
            let ms = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&entry, 1, ms)
            if n > 0 { return true }
            if n < 0, errno != EINTR { return false }
        }
    }

    // MARK: TLS

    private static func handshake(tcp: Int32, host: String, options: RedisTLSOptions, deadline: ContinuousClock.Instant) throws -> OpaquePointer {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw tlsError("cannot create a TLS context") }
        defer { SSL_CTX_free(ctx) }  // each SSL keeps its own reference
        _ = junction_ssl_ctx_set_min_tls12(ctx)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        if let ca = options.caFile {
            guard SSL_CTX_load_verify_locations(ctx, ca, nil) == 1 else {
                throw tlsError("cannot read the CA certificates in \(ca) (JUNCTION_REDIS_TLS_CA)")
            }
        } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
            throw tlsError("cannot load the system's trusted certificates")
        }
        if let cert = options.certFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                throw tlsError("cannot read the client certificate in \(cert) (JUNCTION_REDIS_TLS_CERT)")
            }
            let key = options.keyFile ?? cert
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
                throw tlsError("cannot use the client key in \(key) (JUNCTION_REDIS_TLS_KEY)")
            }
        }
        guard let ssl = SSL_new(ctx) else { throw tlsError("cannot create a TLS connection") }
        var ok = false
        defer { if !ok { SSL_free(ssl) } }
        _ = SSL_set_fd(ssl, tcp)
        _ = junction_ssl_set_partial_write_modes(ssl)
        if isIPAddress(host) {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else { throw tlsError("bad IP address \(host)") }
        } else {
            _ = junction_ssl_set_sni(ssl, host)
            guard SSL_set1_host(ssl, host) == 1 else { throw tlsError("bad host name \(host)") }
        }
        while true {
            ERR_clear_error()
            let result = SSL_connect(ssl)
            if result == 1 { break }
            let events: Int16
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
            default:
                let verify = SSL_get_verify_result(ssl)
                if verify != Int(X509_V_OK) {
                    let reason = String(cString: X509_verify_cert_error_string(verify))
                    throw RedisError(kind: .connection,
                                     message: "TLS handshake failed: the server's certificate was not accepted (\(reason)); "
                                         + "JUNCTION_REDIS_TLS_CA names the CA that signs it, and the URL's host must be in it",
                                     code: "queue_tls_failed")
                }
                throw tlsError("TLS handshake failed", code: "queue_tls_failed")
            }
            guard wait(tcp, for: events, until: deadline) else {
                throw RedisError(kind: .connection, message: "TLS handshake timed out", code: "queue_tls_failed")
            }
        }
        ok = true
        return ssl
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// An error with OpenSSL's reason for the last failure on this thread.
    private static func tlsError(_ what: String, code: String? = nil) -> RedisError {
        var reasons: [String] = []
        while true {
            let error = ERR_get_error()
            if error == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(error, &buffer, buffer.count)
            reasons.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        if reasons.isEmpty, errno != 0 { reasons.append(String(cString: strerror(errno))) }
        return RedisError(kind: .connection, message: reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))", code: code)
    }

    // MARK: Moving bytes

    /// Moves bytes between hiredis's socket (`local`, plain) and the server (`ssl`) until
    /// one side is done: hiredis closed and everything it sent went out, or the server
    /// closed (or failed) and everything it sent was handed on. True when hiredis closed.
    private static func pump(ssl: OpaquePointer, tcp: Int32, local: Int32) -> Bool {
        let capacity = 64 * 1024
        var toServer = [UInt8](repeating: 0, count: capacity)
        var toServerRange = 0..<0
        var toLocal = [UInt8](repeating: 0, count: capacity)
        var toLocalRange = 0..<0
        var localClosed = false
        var serverClosed = false
        while true {
            var tlsEvents: Int16 = 0
            var progress = true
            while progress {
                progress = false
                tlsEvents = 0
                if toServerRange.isEmpty, !localClosed {
                    let n = toServer.withUnsafeMutableBytes { recv(local, $0.baseAddress, capacity, Int32(MSG_DONTWAIT)) }
                    if n > 0 { toServerRange = 0..<n; progress = true } else if n == 0 || !wouldBlock(errno) { localClosed = true; progress = true }
                }
                if !toServerRange.isEmpty {
                    ERR_clear_error()
                    let range = toServerRange
                    let n = toServer.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + range.lowerBound, Int32(range.count)) }
                    if n > 0 {
                        toServerRange = (range.lowerBound + Int(n))..<range.upperBound
                        progress = true
                    } else {
                        switch SSL_get_error(ssl, n) {
                        case SSL_ERROR_WANT_READ: tlsEvents |= Int16(POLLIN)
                        case SSL_ERROR_WANT_WRITE: tlsEvents |= Int16(POLLOUT)
                        default: serverClosed = true; toServerRange = 0..<0; progress = true
                        }
                    }
                }
                if toLocalRange.isEmpty, !serverClosed {
                    ERR_clear_error()
                    let n = toLocal.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32(capacity)) }
                    if n > 0 {
                        toLocalRange = 0..<Int(n)
                        progress = true
                    } else {
                        switch SSL_get_error(ssl, n) {
                        case SSL_ERROR_WANT_READ: tlsEvents |= Int16(POLLIN)
                        case SSL_ERROR_WANT_WRITE: tlsEvents |= Int16(POLLOUT)
                        default: serverClosed = true; progress = true
                        }
                    }
                }
                if !toLocalRange.isEmpty {
                    let range = toLocalRange
                    let n = toLocal.withUnsafeBytes { send(local, $0.baseAddress! + range.lowerBound, range.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                    if n > 0 {
                        toLocalRange = (range.lowerBound + n)..<range.upperBound
                        progress = true
                    } else if n < 0, !wouldBlock(errno) {
                        localClosed = true
                        toLocalRange = 0..<0
                        progress = true
                    }
                }
                if localClosed, toServerRange.isEmpty { break }
                if serverClosed, toLocalRange.isEmpty { break }
            }
            if localClosed, toServerRange.isEmpty {
                if !serverClosed { ERR_clear_error(); _ = SSL_shutdown(ssl) }  // close_notify, without waiting for the answer
                return true
            }
            if serverClosed, toLocalRange.isEmpty { return false }
            var localEvents: Int16 = 0
            if toServerRange.isEmpty, !localClosed { localEvents |= Int16(POLLIN) }
            if !toLocalRange.isEmpty, !localClosed { localEvents |= Int16(POLLOUT) }
            var entries = [pollfd(fd: localEvents == 0 ? -1 : local, events: localEvents, revents: 0),
                           pollfd(fd: tlsEvents == 0 ? -1 : tcp, events: tlsEvents, revents: 0)]
            if localEvents == 0, tlsEvents == 0 { return localClosed }  // nothing can move any more
            if poll(&entries, 2, -1) < 0, errno != EINTR { return localClosed }
        }
    }

    private static func wouldBlock(_ error: Int32) -> Bool {
        error == EAGAIN || error == EWOULDBLOCK || error == EINTR
    }
}
