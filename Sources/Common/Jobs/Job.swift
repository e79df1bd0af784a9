import Foundation
import JunctionCore
import JunctionTracing

/// The two kinds of work that travel through Redis.
package enum JobKind: String, Sendable, Codable, CaseIterable {
    /// `execute`/`search` runs: at-most-once.
    case execute = "exec"
    /// Catalog refreshes: at-least-once (idempotent).
    case refresh
}

/// A job as it sits in a user's stream.
package struct JobEnvelope: Sendable, Codable, Equatable {
    package var id: String
    package var kind: JobKind
    package var owner: String
    /// Milliseconds since 1970.
    package var createdAt: Int64
    /// After this instant (ms since 1970) nobody waits for the job any more; a worker
    /// that receives it later drops it instead of running it.
    package var deadline: Int64?
    /// The frontend whose reply stream gets the result, when someone waits for one.
    package var replyTo: String?
    package var attempt: Int
    /// The kind-specific request, as JSON.
    package var body: JSONValue
    /// The W3C trace context (`traceparent`, `tracestate`) of the span that queued the job,
    /// so the consumer's spans join its trace; nil when tracing is off.
    package var trace: [String: String]?

    /// A job; `trace` defaults to the current span's context (nil when tracing is off).
    package init(id: String = UUID().uuidString.lowercased(), kind: JobKind, owner: String, deadline: Date? = nil,
                 replyTo: String? = nil, attempt: Int = 1, body: JSONValue, trace: [String: String]? = Traces.currentCarrier()) {
        self.id = id
        self.kind = kind
        self.owner = owner
        self.createdAt = Int64(Date().timeIntervalSince1970 * 1000)
        self.deadline = deadline.map { Int64($0.timeIntervalSince1970 * 1000) }
        self.replyTo = replyTo
        self.attempt = attempt
        self.body = body
        self.trace = trace
    }

    package var isExpired: Bool {
        guard let deadline else { return false }
        return Int64(Date().timeIntervalSince1970 * 1000) > deadline
    }
}

/// What a worker sends back to the frontend that waits for a job.
package struct JobReply: Sendable, Codable, Equatable {
    package var jobID: String
    package var ok: Bool
    package var value: JSONValue?
    package var errorCode: String?
    package var errorMessage: String?

    package init(jobID: String, value: JSONValue) {
        self.jobID = jobID
        self.ok = true
        self.value = value
    }

    package init(jobID: String, errorCode: String, message: String) {
        self.jobID = jobID
        self.ok = false
        self.errorCode = errorCode
        self.errorMessage = message
    }

    /// The reply for an execute job whose worker died while holding it. It is never run
    /// again (at-most-once), and part of it may already have happened upstream.
    package static func lost(jobID: String) -> JobReply {
        JobReply(jobID: jobID, errorCode: "run_lost",
                 message: "the run was lost: the worker running it stopped before finishing. Some of its upstream calls may already have happened; check before running it again.")
    }
}

/// A job handed to a consumer, with what is needed to acknowledge it.
package struct JobDelivery: Sendable {
    package var stream: String
    package var entryID: String
    package var envelope: JobEnvelope
}

// Every run's envelope and reply is written and read once on its critical path; the
// hand-written JSON of JSONValue is several times faster there than JSONEncoder and
// JSONDecoder, and reads and writes the same keys as the Codable conformances.
extension JobEnvelope {
    /// The envelope as JSON text (the same keys as its `Codable` form).
    package var jsonText: String {
        var o: [String: JSONValue] = [
            "id": .string(id), "kind": .string(kind.rawValue), "owner": .string(owner),
            "createdAt": .number(Double(createdAt)), "attempt": .number(Double(attempt)), "body": body,
        ]
        if let deadline { o["deadline"] = .number(Double(deadline)) }
        if let replyTo { o["replyTo"] = .string(replyTo) }
        if let trace { o["trace"] = .object(trace.mapValues { .string($0) }) }
        return JSONValue.object(o).jsonString()
    }

    /// Reads an envelope from its JSON text; nil when it is not one.
    package init?(jsonText: String) {
        guard let o = (try? JSONValue.parse(jsonText))?.objectValue,
              let id = o["id"]?.stringValue, let kind = o["kind"]?.stringValue.flatMap(JobKind.init(rawValue:)),
              let owner = o["owner"]?.stringValue, let createdAt = o["createdAt"]?.numberValue,
              let attempt = o["attempt"]?.intValue, let body = o["body"] else { return nil }
        // Only string members: the consumer checks their form before the tracer reads them.
        let trace = o["trace"]?.objectValue?.compactMapValues(\.stringValue)
        self.init(id: id, kind: kind, owner: owner, replyTo: o["replyTo"]?.stringValue, attempt: attempt, body: body,
                  trace: trace?.isEmpty == false ? trace : nil)
        self.createdAt = Int64(createdAt)
        self.deadline = o["deadline"]?.numberValue.map { Int64($0) }
    }
}

extension JobReply {
    /// The reply as JSON text (the same keys as its `Codable` form).
    package var jsonText: String {
        var o: [String: JSONValue] = ["jobID": .string(jobID), "ok": .bool(ok)]
        if let value { o["value"] = value }
        if let errorCode { o["errorCode"] = .string(errorCode) }
        if let errorMessage { o["errorMessage"] = .string(errorMessage) }
        return JSONValue.object(o).jsonString()
    }

    /// Reads a reply from its JSON text; nil when it is not one.
    package init?(jsonText: String) {
        guard let o = (try? JSONValue.parse(jsonText))?.objectValue,
              let jobID = o["jobID"]?.stringValue, let ok = o["ok"]?.boolValue else { return nil }
        self.init(jobID: jobID, value: o["value"] ?? .null)
        self.ok = ok
        self.value = o["value"].flatMap { $0.isNull ? nil : $0 }
        self.errorCode = o["errorCode"]?.stringValue
        self.errorMessage = o["errorMessage"]?.stringValue
    }
}
