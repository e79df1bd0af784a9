import Foundation
import GRDB

/// Keeps one refresh job per source in the queue: a source is marked `queued` only when it
/// is not queued already, in one conditional UPDATE, so concurrent requests on any frontend
/// queue at most one job. A mark older than `queuedRefreshLifetime` no longer counts (a job
/// lost with a Redis that lost its data must not block refreshes for good).
extension SQLiteStore {
    /// How long a `queued` mark keeps further refreshes out.
    package static let queuedRefreshLifetime = SourceStatus.queuedMarkLifetime

    /// Marks the source queued; false when it already was (and nothing changed).
    package func markRefreshQueued(owner: String, id: String, now: Date = Date()) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE sources SET status = ?, updatedAt = ?
                WHERE owner = ? AND id = ? AND NOT (status = ? AND updatedAt > ?)
                """, arguments: [SourceStatus.queued.rawValue, now, owner, id, SourceStatus.queued.rawValue,
                               now.addingTimeInterval(-Self.queuedRefreshLifetime)])
            return db.changesCount > 0
        }
    }
}
