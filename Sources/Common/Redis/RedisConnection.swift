import CHiredis
import Dispatch
import Foundation
import Synchronization

/// One hiredis connection. Replies are read on the connection's own serial dispatch
/// queue, so hiredis' blocking I/O never occupies a thread of Swift concurrency's
/// cooperative pool. Calls made while a round trip is in flight are pipelined together
/// into the next one (one write, one wake-up, many replies), which is what keeps a busy
/// frontend's per-request rate-limit check cheap. A call that finds the connection idle
/// writes its command itself, without blocking, before handing the wait for the reply
/// to the queue: Redis then works while the queue's thread wakes up, instead of after.
/// Reconnects on the next call after a connection error, and before a call that finds
/// its idle socket closed by the server (a restarted Redis): `RedisSocketHealth`.
///
/// Whoever sets `draining` owns the hiredis context until it clears it: the queue
/// while it drains, or, for the moment of its write, a caller that found it idle.
package final class RedisConnection: @unchecked Sendable {
    private struct Pending {
        var commands: [[String]]
        var reply: Reply
        /// What of `commands` the caller already wrote itself: nil when nothing, else
        /// the bytes still to be written (empty when all went out).
        var unsent: [UInt8]?
    }

    /// Who waits for a call's replies.
    private enum Reply {
        case plain(CheckedContinuation<[RESPValue], Error>)
        /// `pipeline(_:then:)`: the follow-up commands are made of the replies and sent
        /// before anyone is resumed.
        case chained(@Sendable ([RESPValue]) -> [[String]]?, CheckedContinuation<Chained, Error>)

        func fail(_ error: Error) {
            switch self {
            case .plain(let c): c.resume(throwing: error)
            case .chained(_, let c): c.resume(throwing: error)
            }
        }
    }

    /// The replies of `pipeline(_:then:)`: those of the first commands, and the outcome
    /// of the follow-up when there was one.
    package struct Chained: Sendable {
        package var first: [RESPValue]
        package var then: Result<[RESPValue], RedisError>?
    }

    private struct Waiting {
        var calls: [Pending] = []
        var draining = false
        var closeRequested = false
    }

    private let url: RedisURL
    private let queue: DispatchQueue
    private let readTimeout: Duration
    // Only touched by the owner (see the type's documentation).
    private var context: UnsafeMutablePointer<redisContext>?
    /// Calls waiting for the next round trip, and whether the context is owned.
    private let waiting = Mutex(Waiting())
    /// How many round trips this connection has made (for tests and diagnostics).
    package let roundTrips = Atomic<Int>(0)

    /// - Parameter readTimeout: socket timeout for replies; blocking commands must use
    ///   a shorter server-side timeout than this.
    package init(url: RedisURL, label: String = "redis", readTimeout: Duration = .seconds(30)) {
        self.url = url
        self.queue = DispatchQueue(label: "junction.\(label)")
        self.readTimeout = readTimeout
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Sends one command and waits for its reply.
    package func send(_ args: [String]) async throws -> RESPValue {
        try await pipeline([args])[0]
    }

    /// Sends several commands in one round trip; replies come back in order. A server
    /// error in any reply is thrown.
    package func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        if commands.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<[RESPValue], Error>) in
            submit(Pending(commands: commands, reply: .plain(cont), unsent: nil))
        }
    }

    /// Sends `commands`, then, when `next` makes commands of their replies, those too,
    /// from the connection's own queue before the caller is resumed: a consumer that pops
    /// a user off a blocking `BZPOPMIN` reads that user's job in the same turn, instead
    /// of a thread switch back to Swift concurrency and another onto the queue between
    /// the two. A server error in the follow-up is its outcome, not thrown.
    package func pipeline(_ commands: [[String]], then next: @escaping @Sendable ([RESPValue]) -> [[String]]?) async throws -> Chained {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Chained, Error>) in
            submit(Pending(commands: commands, reply: .chained(next, cont), unsent: nil))
        }
    }

    private func submit(_ pending: Pending) {
        var call = pending
        let owner = waiting.withLock { w -> Bool in
            if w.draining { w.calls.append(call); return false }
            w.draining = true
            return true
        }
        guard owner else { return }
        if let ctx = context {
            // A socket the server closed (it restarted) would swallow the command: leave the
            // write to the queue, which reconnects first.
            if RedisSocketHealth.peerHasClosed(fd: ctx.pointee.fd) { freeContext() } else {
                call.unsent = Self.writeWithoutBlocking(ctx, call.commands)
            }
        }
        let first = call
        queue.async { self.drain(first: first) }
    }

    /// Sends `first` and everything that is waiting, round trip after round trip, until
    /// nothing is; then gives up ownership (closing the socket if that was asked).
    private func drain(first: Pending) {
        var batch = [first] + waiting.withLock { w in
            defer { w.calls.removeAll(keepingCapacity: true) }
            return w.calls
        }
        while true {
            roundTrip(batch)
            let next: [Pending]? = waiting.withLock { w in
                if w.calls.isEmpty {
                    w.draining = false
                    if w.closeRequested { w.closeRequested = false; freeContext() }
                    return nil
                }
                defer { w.calls.removeAll(keepingCapacity: true) }
                return w.calls
            }
            guard let next else { return }
            batch = next
        }
    }

    /// Writes the commands to the socket without blocking; returns what did not fit (empty
    /// when everything went out), or nil when nothing was written.
    private static func writeWithoutBlocking(_ ctx: UnsafeMutablePointer<redisContext>, _ commands: [[String]]) -> [UInt8]? {
        var bytes: [UInt8] = []
        for args in commands {
            var formatted: UnsafeMutablePointer<CChar>?
            let length = withArgv(args) { argc, argv, lens in redisFormatCommandArgv(&formatted, argc, argv, lens) }
            guard length > 0, let formatted else { return nil }
            formatted.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(length))) }
            free(formatted)
        }
        let sent = bytes.withUnsafeBytes { Glibc.send(ctx.pointee.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        if sent <= 0 { return nil }
        return Array(bytes[sent...])
    }

    /// Writes every command of `batch`, then hands each call its replies in order. A
    /// server error fails only the call whose command caused it; a connection error fails
    /// every call not yet answered.
    private func roundTrip(_ batch: [Pending]) {
        // Nothing of the batch went out yet: a socket the server closed while it was idle is
        // replaced now, so the batch reaches the server that is up instead of failing.
        if let idle = context, batch.allSatisfy({ $0.unsent == nil }), RedisSocketHealth.peerHasClosed(fd: idle.pointee.fd) {
            freeContext()
        }
        let ctx: UnsafeMutablePointer<redisContext>
        do { ctx = try connectedContext() } catch {
            for call in batch { call.reply.fail(error) }
            return
        }
        roundTrips.add(1, ordering: .relaxed)
        for call in batch {
            if let unsent = call.unsent {
                // The caller wrote (part of) its commands: the rest goes out before anything else.
                if !unsent.isEmpty, !Self.writeAll(ctx, unsent) {
                    let error = dropConnection(ctx)
                    for call in batch { call.reply.fail(error) }
                    return
                }
                continue
            }
            if let error = append(call.commands, to: ctx) {
                for call in batch { call.reply.fail(error) }
                return
            }
        }
        // Follow-ups go out once every reply of the batch is read: until then the socket
        // still holds replies that belong to other calls.
        var followUps: [(@Sendable ([RESPValue]) -> [[String]]?, CheckedContinuation<Chained, Error>, [RESPValue])] = []
        for (n, call) in batch.enumerated() {
            let replies: [RESPValue]
            switch read(call.commands.count, from: ctx) {
            case .failure(let error) where error.kind == .connection:
                for unanswered in batch[n...] { unanswered.reply.fail(error) }
                for (_, c, _) in followUps { c.resume(throwing: error) }
                return
            case .failure(let error):
                call.reply.fail(error)
                continue
            case .success(let r): replies = r
            }
            switch call.reply {
            case .plain(let c): c.resume(returning: replies)
            case .chained(let next, let c): followUps.append((next, c, replies))
            }
        }
        for (next, c, first) in followUps {
            guard let commands = next(first), !commands.isEmpty else {
                c.resume(returning: Chained(first: first, then: nil))
                continue
            }
            if let error = append(commands, to: ctx) {
                c.resume(throwing: error)
                continue
            }
            let outcome = read(commands.count, from: ctx)
            if case .failure(let error) = outcome, error.kind == .connection { c.resume(throwing: error) } else {
                c.resume(returning: Chained(first: first, then: outcome))
            }
        }
    }

    /// Appends commands to the context's output buffer; the error (the connection is
    /// dropped) when that fails.
    private func append(_ commands: [[String]], to ctx: UnsafeMutablePointer<redisContext>) -> RedisError? {
        for args in commands {
            let status = Self.withArgv(args) { argc, argv, lens in redisAppendCommandArgv(ctx, argc, argv, lens) }
            if status != REDIS_OK { return dropConnection(ctx) }
        }
        return nil
    }

    /// Reads `count` replies (flushing what was appended first). A server error in any of
    /// them is the outcome once all are read; a connection error drops the connection.
    private func read(_ count: Int, from ctx: UnsafeMutablePointer<redisContext>) -> Result<[RESPValue], RedisError> {
        var replies: [RESPValue] = []
        replies.reserveCapacity(count)
        var firstServerError: RedisError?
        var replyErrors: [Int: String] = [:]
        for _ in 0..<count {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(ctx, &raw) != REDIS_OK || raw == nil { return .failure(dropConnection(ctx)) }
            defer { freeReplyObject(raw) }
            do { replies.append(try Self.convert(raw!.assumingMemoryBound(to: redisReply.self))) } catch let e as RedisError {
                if firstServerError == nil { firstServerError = e }
                replyErrors[replies.count] = e.message
                replies.append(.null)
            } catch { replies.append(.null) }
        }
        if var firstServerError {
            firstServerError.replies = replies
            firstServerError.replyErrors = replyErrors
            return .failure(firstServerError)
        }
        return .success(replies)
    }

    /// Writes all of `bytes` (the socket blocks; this runs on `queue`).
    private static func writeAll(_ ctx: UnsafeMutablePointer<redisContext>, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(ctx.pointee.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// Closes the socket (the next call reconnects); if a round trip is in flight, right
    /// after it.
    package func close() {
        let now = waiting.withLock { w -> Bool in
            if w.draining { w.closeRequested = true; return false }
            w.draining = true
            return true
        }
        guard now else { return }
        freeContext()
        waiting.withLock { $0.draining = false }
    }

    private func freeContext() {
        if let context { redisFree(context) }
        context = nil
    }

    private func runLocked(_ commands: [[String]]) throws -> [RESPValue] {
        let ctx = try connectedContext()
        if let error = append(commands, to: ctx) { throw error }
        return try read(commands.count, from: ctx).get()
    }

    private func dropConnection(_ ctx: UnsafeMutablePointer<redisContext>) -> RedisError {
        let message = withUnsafePointer(to: ctx.pointee.errstr) {
            $0.withMemoryRebound(to: CChar.self, capacity: 128) { String(cString: $0) }
        }
        redisFree(ctx)
        context = nil
        return RedisError(kind: .connection, message: message.isEmpty ? "connection lost" : message)
    }

    /// The open context, or a new one: connected (over TLS for `rediss://`), signed in and
    /// on the URL's database (`RedisHandshake`) before any caller's command goes out.
    private func connectedContext() throws -> UnsafeMutablePointer<redisContext> {
        if let context { return context }
        let ctx = try RedisTransport.connect(url, timeout: .seconds(5))
        let secs = readTimeout.components.seconds
        redisSetTimeout(ctx, timeval(tv_sec: Int(secs), tv_usec: 0))
        context = ctx
        let handshake = RedisHandshake.commands(for: url)
        if !handshake.isEmpty {
            do { _ = try runLocked(handshake) } catch let error as RedisError {
                // A refused sign-in leaves nothing usable: close, and try afresh next call.
                freeContext()
                throw RedisHandshake.failure(error, url: url)
            }
        }
        return ctx
    }

    private static func convert(_ r: UnsafeMutablePointer<redisReply>) throws -> RESPValue {
        switch r.pointee.type {
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_INTEGER: return .integer(Int(r.pointee.integer))
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS:
            return .string(bytes(r))
        case REDIS_REPLY_ERROR:
            throw RedisError(kind: .server, message: bytes(r))
        case REDIS_REPLY_ARRAY:
            var out: [RESPValue] = []
            out.reserveCapacity(r.pointee.elements)
            for i in 0..<r.pointee.elements {
                guard let child = r.pointee.element[i] else { out.append(.null); continue }
                out.append(try convert(child))
            }
            return .array(out)
        default:
            return .null
        }
    }

    private static func bytes(_ r: UnsafeMutablePointer<redisReply>) -> String {
        guard let str = r.pointee.str else { return "" }
        let buffer = UnsafeRawBufferPointer(start: str, count: r.pointee.len)
        return String(decoding: buffer, as: UTF8.self)
    }

    private static func withArgv<T>(_ args: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T) -> T {
        let datas = args.map { Array($0.utf8CString) }
        var pointers: [UnsafeMutablePointer<CChar>] = []
        pointers.reserveCapacity(datas.count)
        defer { pointers.forEach { $0.deallocate() } }
        var lens: [Int] = []
        for d in datas {
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: d.count)
            p.initialize(from: d, count: d.count)
            pointers.append(p)
            lens.append(d.count - 1)
        }
        var argv: [UnsafePointer<CChar>?] = pointers.map { UnsafePointer($0) }
        return argv.withUnsafeMutableBufferPointer { argvBuf in
            lens.withUnsafeBufferPointer { lenBuf in
                body(Int32(args.count), argvBuf.baseAddress!, lenBuf.baseAddress!)
            }
        }
    }
}
