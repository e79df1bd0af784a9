/// What a process knows from PostgreSQL's change notifications (`PostgresChangeFeed`), as a
/// pure state machine: which cached answers are still the database's answers.
///
/// A cached answer is stamped when its read *starts*. It stays current while the listening
/// session that was up at that moment is still up, no local write has happened since, and
/// no notification has named what it depends on (the auth epoch, or one owner's catalog).
/// A notification that arrives while the read is in flight therefore voids the read's
/// answer, so a read can never cache a value older than a change it was told about.
/// Without a session nothing is current: every read goes to the database, as without the
/// feed.
package struct ChangeFeedState: Sendable {
    /// When a cached answer was read, in the terms that decide whether it is still current.
    package struct Stamp: Equatable, Sendable {
        var session: UInt64
        var writes: UInt64
        var changes: UInt64
    }

    /// The channel the triggers notify (see `PostgresMigrations`, version 2).
    package static let channel = "junction_changes"

    /// The current listening session (nil while the feed is not listening).
    package private(set) var session: UInt64?
    private var sessions: UInt64 = 0
    /// Local writes and unreadable notifications: each voids every cached answer.
    private var writes: UInt64 = 0
    private var authChanges: UInt64 = 0
    private var catalogChanges: [String: UInt64] = [:]
    private var epoch: (value: Int64, stamp: Stamp)?

    package init() {}

    /// LISTEN took effect: a new session, in which nothing is cached yet (every stamp names
    /// its session, so older answers no longer match; the counts start again).
    package mutating func listening() {
        sessions += 1
        session = sessions
        catalogChanges = [:]
    }

    /// The listening connection is gone: no cached answer is current until a new session.
    package mutating func stopped() {
        session = nil
    }

    /// This process committed a write, which may have changed anything: its own next read
    /// of each cached value goes to the database rather than wait for the notification.
    package mutating func localWrite() {
        writes &+= 1
    }

    /// Applies one notification payload: `auth` or `catalog <owner>`. Anything else (the
    /// channel is open to every role of the database) voids every cached answer.
    package mutating func notified(_ payload: String) {
        if payload == "auth" {
            authChanges &+= 1
        } else if payload.hasPrefix("catalog "), payload.count > 8 {
            catalogChanges[String(payload.dropFirst(8)), default: 0] &+= 1
        } else {
            localWrite()
        }
    }

    // MARK: The auth epoch

    /// The stamp for a read of the auth epoch starting now; nil while not listening.
    package func authStamp() -> Stamp? {
        session.map { Stamp(session: $0, writes: writes, changes: authChanges) }
    }

    /// The cached auth epoch, if it is still current.
    package func cachedEpoch() -> Int64? {
        guard let epoch, epoch.stamp == authStamp() else { return nil }
        return epoch.value
    }

    /// Keeps an epoch read from the database if nothing voided it while it was in flight.
    package mutating func epochRead(_ value: Int64, stamp: Stamp?) {
        guard let stamp, stamp == authStamp() else { return }
        epoch = (value, stamp)
    }

    // MARK: Catalogs

    /// The stamp for a read of `owner`'s catalog starting now; nil while not listening.
    package func catalogStamp(owner: String) -> Stamp? {
        session.map { Stamp(session: $0, writes: writes, changes: catalogChanges[owner] ?? 0) }
    }

    /// Whether an answer about `owner`'s catalog read with `stamp` is still current.
    package func isCurrent(_ stamp: Stamp, owner: String) -> Bool {
        stamp == catalogStamp(owner: owner)
    }
}
