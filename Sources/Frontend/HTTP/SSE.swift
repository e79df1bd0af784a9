import Common
import HTTPTypes
import Hummingbird

/// Server-Sent Events framing for MCP response streams.
enum SSE {
    /// Headers of every event stream: no caching, and no buffering in nginx-like proxies
    /// (`X-Accel-Buffering: no`), so events reach the client as they happen.
    static var headers: HTTPFields {
        [.contentType: "text/event-stream", .cacheControl: "no-store", .xAccelBuffering: "no"]
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
}
