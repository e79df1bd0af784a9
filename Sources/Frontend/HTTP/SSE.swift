import HTTPTypes
import Hummingbird
import JunctionCore

/// Server-Sent Events framing for MCP response streams.
enum SSE {
    /// Headers of every event stream: no caching, and no buffering in nginx-like proxies
    /// (`X-Accel-Buffering: no`), so events reach the client as they happen.
    static var headers: HTTPFields {
        [.contentType: "text/event-stream", .xAccelBuffering: "no"]
    }

    /// One event; JSON text has no raw newlines, so one `data:` line carries it.
    static func event(_ data: String, name: String? = nil) -> ByteBuffer {
        var text = ""
        if let name { text += "event: \(name)\n" }
        text += "data: \(data)\n\n"
        return ByteBuffer(string: text)
    }

    static func message(_ value: JSONValue) -> ByteBuffer { event(value.jsonString(), name: "message") }

    /// A comment line: clients ignore it; it keeps proxies and idle timers from closing
    /// a quiet stream, and finds out early when the client has gone.
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// Yields a keep-alive comment into `sink` every `interval` until cancelled, after
    /// running `beforeEach` (e.g. to refresh the stream's session).
    static func keepAliveTask(every interval: Duration, into sink: AsyncStream<ByteBuffer>.Continuation,
                              beforeEach: @escaping @Sendable () async -> Void = {}) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                await beforeEach()
                sink.yield(keepAlive)
            }
        }
    }
}

/// A response after which the connection is closed instead of kept alive.
enum ClosingResponse {
    private struct CloseConnection: Error {}

    /// Hummingbird drains an unread request body before it reads the next request on
    /// the connection, so refusing an oversized chunked body would still read all of
    /// it. Failing the body writer after the complete response makes the server close
    /// the connection instead: the client gets the whole answer and nothing more is read.
    static func json(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        let buffer = ByteBuffer(string: value.jsonString())
        let headers: HTTPFields = [.contentType: "application/json", .connection: "close"]
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: buffer.readableBytes) { writer in
            try await writer.write(buffer)
            throw CloseConnection()
        })
    }
}
