import Foundation

/// Where jobs are kept: what `JobProcessor` needs from a queue, as swift-jobs separates
/// its processor from its drivers. `JobQueue` is the Redis Streams driver (per-user
/// streams, fair round-robin across users, one consumer group per kind).
///
/// A driver delivers each job to one consumer at a time; a job stays pending until it is
/// acknowledged, and one whose consumer stops touching it is handed back by
/// `reclaimStale` (the processor then retries it or reports it lost, per `JobKind.retry`).
package protocol JobDriver: Sendable {
    /// What one consumer reads jobs through (a dedicated blocking connection for Redis).
    associatedtype Reader: Sendable

    /// Opens a reader for one consumer loop.
    func makeReader(for kind: JobKind) -> Reader
    /// Closes a reader `makeReader` opened.
    func closeReader(_ reader: Reader)

    /// Appends a job to its owner's line.
    func enqueue(_ job: JobEnvelope) async throws
    /// Waits up to `timeoutSeconds` for the next job of `kind`, in the driver's fair order,
    /// and delivers it to `consumer`. `nil` when none came in time, or when `claiming`,
    /// asked right before a job is taken, says no (the consumer began shutting down while
    /// it waited): the job then stays for another consumer.
    func nextJob(_ kind: JobKind, reader: Reader, consumer: String, timeoutSeconds: Double,
                 claiming: @escaping @Sendable () -> Bool) async throws -> JobDelivery?
    /// Acknowledges and removes a finished job.
    func ack(_ delivery: JobDelivery) async throws
    /// Tells the driver that `consumer` still works on `deliveries`.
    func touch(_ deliveries: [JobDelivery], consumer: String) async throws
    /// Hands `consumer` the jobs nobody touched for `minIdle` (their consumer is presumed dead).
    func reclaimStale(_ kind: JobKind, consumer: String, minIdle: Duration) async throws -> [JobDelivery]
    /// Sends `reply` to whoever waits for `job`, after `preamble` (Redis commands that must
    /// hold before the reply exists), in one round trip.
    func publishReply(_ reply: JobReply, for job: JobEnvelope, after preamble: [[String]]) async throws
}
