import Foundation
import JunctionCore

/// The typed request of one kind of job, carried as its envelope's JSON body (as
/// swift-jobs' job parameters). Producers build envelopes from it, handlers read it back,
/// so both sides of a queue share one definition.
package protocol JobParameters: Sendable {
    /// The kind of job these parameters belong to.
    static var kind: JobKind { get }
    /// The body as it travels in the envelope.
    var json: JSONValue { get }
    /// Reads the body of an envelope of `kind`; throws when it is malformed.
    init(json: JSONValue) throws
}

/// What happens to a job whose consumer died while holding it.
package enum JobRetry: Sendable, Equatable {
    /// At-most-once: never run again; its handler reports it lost.
    case never
    /// At-least-once (the job is idempotent): queued again until it has had this many
    /// attempts, then reported lost.
    case upTo(attempts: Int)
}

extension JobKind {
    /// `execute` runs are at-most-once (an upstream call may already have happened);
    /// catalog refreshes are idempotent and retried.
    package var retry: JobRetry {
        switch self {
        case .execute: .never
        case .refresh: .upTo(attempts: 5)
        }
    }
}

extension JobEnvelope {
    /// A job carrying `parameters`, of their kind.
    package init<P: JobParameters>(_ parameters: P, owner: String, deadline: Date? = nil, replyTo: String? = nil) {
        self.init(kind: P.kind, owner: owner, deadline: deadline, replyTo: replyTo, body: parameters.json)
    }

    /// The job's typed request; throws when its body is not one of `type`.
    package func parameters<P: JobParameters>(as type: P.Type) throws -> P {
        guard kind == P.kind else { throw JunctionError.badRequest("a \(kind.rawValue) job does not carry \(P.kind.rawValue) parameters") }
        return try P(json: body)
    }
}
