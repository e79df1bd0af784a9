import CHiredis
import Dispatch
import Foundation
import Synchronization

/// One hiredis connection. Every call runs on the connection's own serial dispatch
/// queue, so hiredis' blocking I/O never occupies a thread of Swift concurrency's
/// cooperative pool. Calls made while a round trip is in flight are pipelined together
/// into the next one (one write, one wake-up, many replies), which is what keeps a busy
/// frontend's per-request rate-limit check cheap. Reconnects on the next call after a
/// connection error.
package final class RedisConnection: @unchecked Sendable {
    private struct Pending {
        var commands: [[String]]
        var continuation: CheckedContinuation<[RESPValue], Error>
    }

    private let url: RedisURL
    private let queue: DispatchQueue
    private let readTimeout: Duration
    // Only touched on `queue`.
    private var context: UnsafeMutablePointer<redisContext>?
    /// Calls waiting for the next round trip, and whether a drain is scheduled on `queue`.
    private let waiting = Mutex<(calls: [Pending], draining: Bool)>(([], false))
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
            let schedule = waiting.withLock { w in
                w.calls.append(Pending(commands: commands, continuation: cont))
                if w.draining { return false }
                w.draining = true
                return true
            }
            if schedule { queue.async { self.drain() } }
        }
    }

    /// Sends everything that is waiting, round trip after round trip, until nothing is.
    private func drain() {
        while true {
            let batch: [Pending] = waiting.withLock { w in
                if w.calls.isEmpty { w.draining = false; return [] }
                defer { w.calls.removeAll(keepingCapacity: true) }
                return w.calls
            }
            if batch.isEmpty { return }
            roundTrip(batch)
        }
    }

    /// Writes every command of `batch`, then hands each call its replies in order. A
    /// server error fails only the call whose command caused it; a connection error fails
    /// every call not yet answered.
    private func roundTrip(_ batch: [Pending]) {
        let ctx: UnsafeMutablePointer<redisContext>
        do { ctx = try connectedContext() } catch {
            for call in batch { call.continuation.resume(throwing: error) }
            return
        }
        roundTrips.add(1, ordering: .relaxed)
        for call in batch {
            for args in call.commands {
                let status = Self.withArgv(args) { argc, argv, lens in redisAppendCommandArgv(ctx, argc, argv, lens) }
                if status != REDIS_OK {
                    let error = dropConnection(ctx)
                    for call in batch { call.continuation.resume(throwing: error) }
                    return
                }
            }
        }
        for (n, call) in batch.enumerated() {
            var replies: [RESPValue] = []
            replies.reserveCapacity(call.commands.count)
            var firstServerError: RedisError?
            for _ in call.commands {
                var raw: UnsafeMutableRawPointer?
                if redisGetReply(ctx, &raw) != REDIS_OK || raw == nil {
                    let error = dropConnection(ctx)
                    for unanswered in batch[n...] { unanswered.continuation.resume(throwing: error) }
                    return
                }
                defer { freeReplyObject(raw) }
                do { replies.append(try Self.convert(raw!.assumingMemoryBound(to: redisReply.self))) } catch let e as RedisError {
                    if firstServerError == nil { firstServerError = e }
                    replies.append(.null)
                } catch { replies.append(.null) }
            }
            if let firstServerError { call.continuation.resume(throwing: firstServerError) } else { call.continuation.resume(returning: replies) }
        }
    }

    /// Closes the socket (the next call reconnects).
    package func close() {
        queue.sync {
            if let context { redisFree(context) }
            context = nil
        }
    }

    private func runLocked(_ commands: [[String]]) throws -> [RESPValue] {
        let ctx = try connectedContext()
        for args in commands {
            let status = Self.withArgv(args) { argc, argv, lens in
                redisAppendCommandArgv(ctx, argc, argv, lens)
            }
            if status != REDIS_OK { throw dropConnection(ctx) }
        }
        var replies: [RESPValue] = []
        var firstServerError: RedisError?
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(ctx, &raw) != REDIS_OK || raw == nil { throw dropConnection(ctx) }
            let reply = raw!.assumingMemoryBound(to: redisReply.self)
            defer { freeReplyObject(raw) }
            do { replies.append(try Self.convert(reply)) } catch let e as RedisError {
                if firstServerError == nil { firstServerError = e }
                replies.append(.null)
            }
        }
        if let firstServerError { throw firstServerError }
        return replies
    }

    private func dropConnection(_ ctx: UnsafeMutablePointer<redisContext>) -> RedisError {
        let message = withUnsafePointer(to: ctx.pointee.errstr) {
            $0.withMemoryRebound(to: CChar.self, capacity: 128) { String(cString: $0) }
        }
        redisFree(ctx)
        context = nil
        return RedisError(kind: .connection, message: message.isEmpty ? "connection lost" : message)
    }

    private func connectedContext() throws -> UnsafeMutablePointer<redisContext> {
        if let context { return context }
        let tv = timeval(tv_sec: 5, tv_usec: 0)
        let ctx: UnsafeMutablePointer<redisContext>?
        switch url {
        case .tcp(let host, let port, _): ctx = redisConnectWithTimeout(host, Int32(port), tv)
        case .unix(let path, _): ctx = redisConnectUnixWithTimeout(path, tv)
        }
        guard let ctx else { throw RedisError(kind: .connection, message: "cannot allocate redis context") }
        if ctx.pointee.err != 0 {
            let e = dropConnection(ctx)
            throw RedisError(kind: .connection, message: "cannot connect to \(url): \(e.message)")
        }
        let secs = readTimeout.components.seconds
        redisSetTimeout(ctx, timeval(tv_sec: Int(secs), tv_usec: 0))
        redisEnableKeepAlive(ctx)
        context = ctx
        if url.database != 0 {
            _ = try runLocked([["SELECT", String(url.database)]])
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
