import Foundation

/// What one running process says about itself every heartbeat: which kind it is, where it
/// runs and how busy it is. Nothing in it is secret or comes from a user.
package struct ProcessHeartbeat: Sendable, Equatable {
    /// `frontend`, `worker` or `refresher`.
    package var kind: String
    /// Unique per process (host, pid and a random suffix).
    package var id: String
    package var host: String
    package var pid: Int
    package var started: Date
    package var lastSeen: Date
    /// Jobs (runs, refreshes) it is working on.
    package var inFlight: Int

    package init(kind: String, id: String, host: String = ProcessInfo.processInfo.hostName,
                 pid: Int = Int(ProcessInfo.processInfo.processIdentifier), started: Date, lastSeen: Date = Date(), inFlight: Int = 0) {
        self.kind = kind
        self.id = id
        self.host = host
        self.pid = pid
        self.started = started
        self.lastSeen = lastSeen
        self.inFlight = inFlight
    }

    /// The hash fields it is stored as (`HSET key field value …`).
    package var fields: [String] {
        ["kind", kind, "id", id, "host", host, "pid", String(pid), "started", String(Self.ms(started)),
         "lastSeen", String(Self.ms(lastSeen)), "inFlight", String(inFlight)]
    }

    /// Reads a stored heartbeat (`HGETALL` as field/value pairs); nil when it is incomplete.
    package init?(pairs: [String]) {
        var f: [String: String] = [:]
        var i = 0
        while i + 1 < pairs.count {
            f[pairs[i]] = pairs[i + 1]
            i += 2
        }
        guard let kind = f["kind"], let id = f["id"], let host = f["host"], let pid = f["pid"].flatMap(Int.init),
              let started = f["started"].flatMap(Int64.init), let lastSeen = f["lastSeen"].flatMap(Int64.init) else { return nil }
        self.init(kind: kind, id: id, host: host, pid: pid, started: Self.date(started), lastSeen: Self.date(lastSeen),
                  inFlight: f["inFlight"].flatMap(Int.init) ?? 0)
    }

    static func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
}
