import Foundation
import Hummingbird
import Jobs
import Status

/// `/admin/status` (administrators only): the processes that are alive now (their
/// heartbeats: kind, host, pid, start, last beat, jobs in flight), the queue depth of each
/// kind of job, and the latest failed runs and refreshes (outcome and error code only: no
/// user code, no messages, no secrets). The live part is reloaded every few seconds from
/// `/admin/status/live`.
struct AdminStatusPage {
    let board: StatusBoard
    let session: WebSession

    func render() async -> Response {
        let main: HTML = """
            <div class="page-head"><h1>Live status</h1><a class="btn" href="/admin">Users and allowlist</a></div>
            <div id="status-live">\(await live())</div>
            """
        return Layout.page(title: "Live status", section: .admin, session: session, page: "admin-status", main: main)
    }

    /// The live part alone (what the page's script fetches).
    func liveFragment() async -> Response {
        Response(status: .ok, headers: Layout.htmlHeaders(), body: .init(byteBuffer: ByteBuffer(string: await live().text)))
    }

    private func live() async -> HTML {
        let now = Date()
        let processes: HTML
        do {
            let beats = try await board.live(now: now)
            processes = beats.isEmpty
                ? "<tr><td colspan=\"7\" class=\"empty\">No process has sent a heartbeat recently.</td></tr>"
                : HTML.join(beats.map { b in
                    let ago = max(0, Int(now.timeIntervalSince(b.lastSeen).rounded()))
                    return """
                        <tr data-process="\(b.id)" data-kind="\(b.kind)"><td>\(b.kind)</td><td><code>\(b.id)</code></td><td>\(b.host)</td>\
                        <td>\(String(b.pid))</td><td>\(Layout.time(b.started))</td><td>\(String(ago)) s ago</td><td>\(String(b.inFlight))</td></tr>
                        """
                })
        } catch {
            processes = "<tr><td colspan=\"7\" class=\"empty\">Redis did not answer: the heartbeats cannot be read.</td></tr>"
        }
        let queue = JobQueue(redis: board.redis)
        var depths: [HTML] = []
        for kind in JobKind.allCases {
            let depth = (try? await queue.depth(kind)).map { String($0) } ?? "unknown"
            depths.append("<tr><td>\(kind == .execute ? "runs (execute, search)" : "refreshes")</td><td data-queue=\"\(kind.rawValue)\">\(depth)</td></tr>")
        }
        let failures: HTML
        if let recent = try? await board.recentFailures(limit: 20) {
            failures = recent.isEmpty
                ? "<tr><td colspan=\"6\" class=\"empty\">No failures recorded.</td></tr>"
                : HTML.join(recent.map { f in
                    "<tr><td>\(Layout.time(f.at))</td><td>\(f.work)</td><td>\(f.detail)</td><td>\(f.outcome)</td><td><code>\(f.code)</code></td><td><code>\(f.processID)</code></td></tr>"
                })
        } else {
            failures = "<tr><td colspan=\"6\" class=\"empty\">Redis did not answer.</td></tr>"
        }
        return """
            <section class="panel" aria-labelledby="procs-h">
              <h2 id="procs-h">Processes</h2>
              <p class="small muted">Frontends, workers and refreshers that sent a heartbeat in the last \(String(board.ttl.components.seconds)) seconds.</p>
              <div class="table-wrap"><table class="stack">
                <caption class="sr-only">Live processes</caption>
                <thead><tr><th scope="col">Kind</th><th scope="col">Id</th><th scope="col">Host</th><th scope="col">PID</th><th scope="col">Started</th><th scope="col">Last seen</th><th scope="col">Jobs in flight</th></tr></thead>
                <tbody id="process-body">\(processes)</tbody>
              </table></div>
            </section>
            <section class="panel" aria-labelledby="queue-h">
              <h2 id="queue-h">Queue</h2>
              <div class="table-wrap"><table class="stack">
                <caption class="sr-only">Jobs waiting for a consumer</caption>
                <thead><tr><th scope="col">Jobs</th><th scope="col">Waiting</th></tr></thead>
                <tbody>\(HTML.join(depths))</tbody>
              </table></div>
            </section>
            <section class="panel" aria-labelledby="failures-h">
              <h2 id="failures-h">Recent failures</h2>
              <div class="table-wrap"><table class="stack">
                <caption class="sr-only">Recent failed runs and refreshes</caption>
                <thead><tr><th scope="col">When</th><th scope="col">Work</th><th scope="col">Kind</th><th scope="col">Outcome</th><th scope="col">Code</th><th scope="col">Process</th></tr></thead>
                <tbody id="failure-body">\(failures)</tbody>
              </table></div>
            </section>
            """
    }
}
