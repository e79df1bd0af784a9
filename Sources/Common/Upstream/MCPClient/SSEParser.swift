/// An incremental parser for `text/event-stream` bodies (the WHATWG Server-Sent Events
/// format). Pure: bytes go in, complete events come out, so it is tested without I/O.
/// Lines end in LF, CRLF or CR; `:` lines are comments; an event is dispatched at a
/// blank line; an unfinished event at the end of the stream is dropped, as the format
/// says. An event (or line) larger than `maxEventBytes` is not buffered: its data is
/// discarded and `.oversized` is reported in its place.
package struct SSEParser: Sendable {
    /// One dispatched event.
    package struct Event: Sendable, Equatable {
        package var event: String
        package var data: String
        package var id: String?

        package init(event: String = "message", data: String, id: String? = nil) {
            self.event = event
            self.data = data
            self.id = id
        }
    }

    /// What a chunk of input produced.
    package enum Output: Sendable, Equatable {
        case event(Event)
        /// An event whose data exceeded the cap; `bytes` is how much was seen before it was dropped.
        case oversized(bytes: Int)
    }

    package let maxEventBytes: Int
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var eventType = ""
    private var data: [UInt8] = []
    private var hasData = false
    private var lastID: String?
    private var oversizedBytes = 0

    package init(maxEventBytes: Int = 1 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    /// Feeds bytes; returns the events they completed.
    package mutating func feed<S: Sequence>(_ bytes: S) -> [Output] where S.Element == UInt8 {
        var out: [Output] = []
        for byte in bytes {
            switch byte {
            case 0x0A:
                if lastWasCR { lastWasCR = false; continue }
                endLine(&out)
            case 0x0D:
                lastWasCR = true
                endLine(&out)
            default:
                lastWasCR = false
                if oversizedBytes > 0 { oversizedBytes += 1; continue }
                line.append(byte)
                if line.count + data.count > maxEventBytes { startDropping() }
            }
        }
        return out
    }

    /// The stream ended: an event without its closing blank line is discarded.
    package mutating func finish() -> [Output] {
        let dropped = oversizedBytes
        resetEvent()
        line.removeAll()
        return dropped > 0 ? [.oversized(bytes: dropped)] : []
    }

    private mutating func startDropping() {
        oversizedBytes = line.count + data.count
        line.removeAll(keepingCapacity: false)
        data.removeAll(keepingCapacity: false)
    }

    private mutating func resetEvent() {
        eventType = ""
        data.removeAll(keepingCapacity: true)
        hasData = false
        oversizedBytes = 0
    }

    private mutating func endLine(_ out: inout [Output]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            // Blank line: dispatch.
            if oversizedBytes > 0 {
                out.append(.oversized(bytes: oversizedBytes))
            } else if hasData {
                out.append(.event(Event(event: eventType.isEmpty ? "message" : eventType,
                                        data: String(decoding: data, as: UTF8.self), id: lastID)))
            }
            resetEvent()
            return
        }
        if oversizedBytes > 0 { return }
        if line.first == 0x3A { return }  // comment
        let field: [UInt8]
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: 0x3A) {
            field = Array(line[..<colon])
            value = line[(colon + 1)...]
            if value.first == 0x20 { value = value.dropFirst() }
        } else {
            field = line
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastID = String(decoding: value, as: UTF8.self) }
        default:
            break  // `retry` and unknown fields do not matter to a request-scoped client
        }
    }
}
