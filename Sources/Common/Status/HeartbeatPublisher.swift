import Foundation
import Logging
import ServiceLifecycle

/// Publishes this process's heartbeat on the `StatusBoard` every `interval` while it runs,
/// and removes it when the process stops. A `Service`: list it first in the process's
/// service group, so that it stops last, after the jobs in flight have drained.
package struct HeartbeatPublisher: Service {
    package let board: StatusBoard
    package let kind: String
    package let id: String
    package let interval: Duration
    package let started: Date
    /// How many jobs the process is working on, asked at every beat.
    package let inFlight: @Sendable () -> Int
    package let logger: Logger

    package init(board: StatusBoard, kind: String, id: String, interval: Duration, started: Date = Date(),
                 inFlight: @escaping @Sendable () -> Int = { 0 }, logger: Logger) {
        self.board = board
        self.kind = kind
        self.id = id
        self.interval = interval
        self.started = started
        self.inFlight = inFlight
        self.logger = logger
    }

    /// One beat (also for tests).
    package func beat() async throws {
        try await board.publish(ProcessHeartbeat(kind: kind, id: id, started: started, inFlight: inFlight()))
    }

    package func run() async throws {
        _ = try? await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    try await beat()
                    failing = false
                } catch {
                    // Redis is away: the queue's own warnings say so; one line here is enough.
                    if !failing { logger.notice("cannot publish heartbeat", metadata: ["error": "\(error)"]) }
                    failing = true
                }
                try await Task.sleep(for: interval)
            }
        }
        try? await board.remove(id: id)
    }
}
