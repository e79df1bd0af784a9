/// Every Redis key Junction uses, spelled in one place.
///
/// The hash-tag rule: a key that belongs to one user carries `{u:<owner>}`, so a Redis
/// Cluster keeps all of that user's keys in one slot and one Lua script (the run slot,
/// job stream and session keys of `RunSlots`' enqueue script) may touch them together.
/// Keys shared by every user (ready lines, reply streams, cancel flags) carry no user tag;
/// nothing that writes them needs another key in the same command.
///
/// Every key starts with `junction:`. Changing any spelling here orphans the keys a
/// running deployment already holds: keep them as they are.
package enum RedisKeys {
    /// What every key starts with.
    package static let namespace = "junction"

    /// The hash tag of a user's keys: `{u:<owner>}`.
    package static func userTag(_ owner: String) -> String { "{u:\(owner)}" }

    // MARK: Jobs

    /// `junction:{u:<owner>}:<kind>` — the user's job stream of one kind (`exec`, `refresh`).
    package static func jobStream(kind: String, owner: String) -> String { "\(namespace):\(userTag(owner)):\(kind)" }
    /// `junction:ready:<kind>` — sorted set of users with undelivered jobs of that kind.
    package static func readyOwners(kind: String) -> String { "\(namespace):ready:\(kind)" }
    /// `junction:owners:<kind>` — every user that ever queued a job of that kind.
    package static func allOwners(kind: String) -> String { "\(namespace):owners:\(kind)" }
    /// `junction:reply:<frontend>` — the reply (and event) stream of one frontend instance.
    package static func replyStream(frontend: String) -> String { "\(namespace):reply:\(frontend)" }

    // MARK: Runs

    /// `junction:cancel:<job>` — set when a run's caller gave up on it; the worker polls it.
    package static func cancel(jobID: String) -> String { "\(namespace):cancel:\(jobID)" }
    /// `junction:{u:<owner>}:running` — sorted set of the user's runs in flight (run slots).
    package static func runSlots(owner: String) -> String { "\(namespace):\(userTag(owner)):running" }

    // MARK: MCP sessions and the frontend

    /// `junction:{u:<owner>}:session:` — prefix of the user's MCP session hashes.
    package static func sessionPrefix(owner: String) -> String { "\(namespace):\(userTag(owner)):session:" }
    /// `junction:{u:<owner>}:sessionrun:<session>:<request id JSON>` — the job answering
    /// one request of a session (for `notifications/cancelled`).
    package static func sessionRun(owner: String, session: String, requestID: String) -> String {
        "\(namespace):\(userTag(owner)):sessionrun:\(session):\(requestID)"
    }
    /// `junction:ssesession:` — prefix of legacy SSE session hashes.
    package static let legacySSESessionPrefix = "\(namespace):ssesession:"
    /// `junction:{u:<owner>}:rate` — the user's token bucket.
    package static func rate(owner: String) -> String { "\(namespace):\(userTag(owner)):rate" }
    /// `junction:throttle:{<bucket>:<subject hash>}` — failed sign-in attempts of one subject.
    /// The whole name after `throttle:` is the hash tag: the key stands alone.
    package static func throttle(bucket: String, subjectHash: String) -> String { "\(namespace):throttle:{\(bucket):\(subjectHash)}" }
    /// `junction:upstream-oauth:state:` — prefix of pending upstream OAuth sign-ins.
    package static let upstreamOAuthStatePrefix = "\(namespace):upstream-oauth:state:"

    // MARK: Sources

    /// `junction:{u:<owner>}:oauth-refresh:<source>` — the lock held while refreshing a
    /// source's OAuth tokens.
    package static func oauthRefreshLock(owner: String, sourceID: String) -> String {
        "\(namespace):\(userTag(owner)):oauth-refresh:\(sourceID)"
    }
    /// `junction:{u:<owner>}:refresh-claim:<source>` — a refresher's claim on this
    /// period's scheduled catalog refresh of a source.
    package static func refreshClaim(owner: String, sourceID: String) -> String {
        "\(namespace):\(userTag(owner)):refresh-claim:\(sourceID)"
    }

    // MARK: Live status

    /// The hash tag of the status keys: they are few and small, and one slot lets a reader
    /// fetch them all from one node.
    package static let statusTag = "{status}"
    /// `junction:{status}:proc:<id>` — one process's heartbeat (a hash that expires unless renewed).
    package static func processHeartbeat(id: String) -> String { "\(namespace):\(statusTag):proc:\(id)" }
    /// `junction:{status}:procs` — sorted set of process ids by when they last beat.
    package static let processIndex = "\(namespace):\(statusTag):procs"
    /// `junction:{status}:failures` — list of the latest failed runs and refreshes (newest first, capped).
    package static let recentFailures = "\(namespace):\(statusTag):failures"

    // MARK: Stdio instances

    /// `junction:{u:<owner>}:stdio-lease:<source>` — which host runs the user's instance of
    /// a stdio source (value: that host's holder id, with a TTL the holder renews).
    package static func stdioLease(owner: String, sourceID: String) -> String {
        "\(namespace):\(userTag(owner)):stdio-lease:\(sourceID)"
    }
    /// `junction:{u:<owner>}:stdio-want:<source>` — another host asks the holder to stop the
    /// instance (when idle) and hand the lease over.
    package static func stdioWant(owner: String, sourceID: String) -> String {
        "\(namespace):\(userTag(owner)):stdio-want:\(sourceID)"
    }
}
