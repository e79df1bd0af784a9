import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Listens to the store's change notifications on a connection of its own, so the auth
/// epoch and the catalog search scopes can be answered from memory on every host instead
/// of with a round trip per request.
///
/// Triggers `pg_notify` in the transaction that changes a token, a user, a catalog entry or
/// a source (`PostgresMigrations`, version 2); PostgreSQL delivers the notification to every
/// listener when that transaction commits. `ChangeFeedState` decides which cached answers
/// are still current. While the connection is down (or silent past `pingTimeout`) nothing
/// is: every answer is read from the database, as it would be without the feed, and the
/// feed reconnects with a growing delay (up to 5 s).
///
/// What this costs in consistency: a change committed by another host is seen here once
/// its notification arrives (the network's delay, normally milliseconds), instead of on the
/// next read. A change this process commits voids its own cache at once (`localWrite`).
package final class PostgresChangeFeed: Sendable {
    private let state = Mutex(ChangeFeedState())
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let pingInterval: Duration
    private let pingTimeout: Duration
    /// The `application_name` the listening connection gives, to find it in `pg_stat_activity`.
    package static let applicationName = "junction-change-feed"

    package init(url: PostgresURL, logger: Logger, pingInterval: Duration = .seconds(5), pingTimeout: Duration = .seconds(5)) throws {
        var configuration = try url.connectionConfiguration()
        configuration.options.additionalStartupParameters.append(("application_name", Self.applicationName))
        self.configuration = configuration
        self.logger = logger
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
    }

    /// Starts listening in a task of its own (once).
    package func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await self.run() }
        }
    }

    /// Stops listening; afterwards every answer comes from the database.
    package func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    /// The current listening session, nil while not listening (for tests and the log).
    package var session: UInt64? { state.withLock { $0.session } }

    /// Runs `body` on the state, under its lock.
    package func withState<T>(_ body: (inout ChangeFeedState) -> T) -> T {
        state.withLock { body(&$0) }
    }

    private func run() async {
        var delay = Duration.milliseconds(100)
        var failures = 0
        while !Task.isCancelled {
            var connection: PostgresConnection?
            do {
                let listener = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                connection = listener
                try await listener.listen(on: ChangeFeedState.channel) { notifications in
                    state.withLock { $0.listening() }
                    if failures > 0 { logger.info("listening to store changes again") }
                    failures = 0
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { [self] in
                            for try await notification in notifications {
                                self.state.withLock { $0.notified(notification.payload) }
                            }
                            throw StoreError.unavailable("the change notifications ended")
                        }
                        group.addTask { [pingInterval, pingTimeout, logger] in
                            // A connection can die without a word (a partition, a NAT that
                            // forgot it); until a ping fails, cached answers would be served.
                            while true {
                                try await Task.sleep(for: pingInterval)
                                try await Self.ping(listener, timeout: pingTimeout, logger: logger)
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                if !Task.isCancelled {
                    failures += 1
                    // Once per outage at warning level; the retries after it at debug.
                    let level: Logger.Level = failures == 1 ? .warning : .debug
                    logger.log(level: level, "not listening to store changes; reading every answer from the database",
                               metadata: ["error": "\(PostgresStore.describe(error))"])
                }
            }
            state.withLock { $0.stopped() }
            try? await connection?.close()
            if Task.isCancelled { return }
            try? await Task.sleep(for: delay)
            delay = failures == 0 ? .milliseconds(100) : min(delay * 2, .seconds(5))
        }
    }

    /// `SELECT 1` on the listening connection, failing after `timeout`.
    private static func ping(_ connection: PostgresConnection, timeout: Duration, logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await connection.query("SELECT 1", logger: logger).collect()
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            let answered = try await group.next() ?? false
            group.cancelAll()
            if !answered {
                // The query does not end on cancellation, and the group waits for it:
                // closing the connection is what fails it.
                try? await connection.close()
                throw StoreError.unavailable("the listening connection did not answer a ping in time")
            }
        }
    }
}
