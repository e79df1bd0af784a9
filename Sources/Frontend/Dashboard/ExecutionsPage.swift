import Foundation
import GRDB
import Hummingbird
import JunctionCore
import Store

/// `/executions` (recent runs, newest first, paged by keyset) and `/executions/{id}`
/// (code, calls, result preview, error).
struct ExecutionsPage {
    let database: any JunctionStore
    let session: WebSession
    static let pageSize = 50

    func list(before: String?) async throws -> Response {
        let runs = try await database.executions(owner: session.user.id, limit: Self.pageSize, after: before)
        let more: HTML = runs.count == Self.pageSize
            ? "<nav class=\"pager\" aria-label=\"Pages\"><a class=\"btn\" href=\"/executions?before=\(runs.last!.id)\">Older runs →</a></nav>" : ""
        let main: HTML = """
            <div class="page-head"><h1>Executions</h1></div>
            <p class="muted">Every <code>search</code> and <code>execute</code> run of yours, newest first.</p>
            <section class="panel" aria-label="Runs">
              \(Self.table(runs, compact: false))
              \(more)
            </section>
            """
        return Layout.page(title: "Executions", section: .executions, session: session, main: main)
    }

    func detail(id: String) async throws -> Response {
        guard let run = try await database.execution(owner: session.user.id, id: id) else {
            throw JunctionError.notFound("no run with this id")
        }
        let calls = (try? JSONValue.parse(run.calls))?.arrayValue ?? []
        let callRows = HTML.join(calls.map { c in
            let ok = c["ok"]?.boolValue ?? false
            return """
                <tr><td data-label="Function"><code>\(c["name"]?.stringValue ?? "?")</code></td>
                <td data-label="Outcome">\(Layout.badge(ok ? "ok" : "error"))</td>
                <td data-label="Duration" class="num">\(c["durationMs"]?.intValue ?? 0) ms</td></tr>
                """
        })
        let callsSection: HTML = calls.isEmpty ? "<p class=\"muted\">No upstream calls.</p>" : """
            <div class="table-wrap"><table class="stack"><caption class="sr-only">Upstream calls</caption>
            <thead><tr><th scope="col">Function</th><th scope="col">Outcome</th><th scope="col">Duration</th></tr></thead>
            <tbody>\(callRows)</tbody></table></div>
            """
        let result: HTML = run.resultPreview.map { "<h2>Result preview</h2><pre id=\"run-result\"><code>\(Self.pretty($0))</code></pre>" } ?? ""
        let error: HTML = run.error.map { "<h2>Error</h2><pre id=\"run-error\" class=\"error-text\"><code>\(Self.pretty($0))</code></pre>" } ?? ""
        let main: HTML = """
            <p><a href="/executions">← All executions</a></p>
            <div class="page-head"><h1>\(run.tool) run</h1></div>
            <section class="panel" aria-label="Summary">
              <dl class="facts">
                <dt>Status</dt><dd>\(Layout.badge(run.status))</dd>
                <dt>Started</dt><dd>\(Layout.time(run.createdAt))</dd>
                <dt>Duration</dt><dd>\(run.durationMs) ms</dd>
                <dt>Calls</dt><dd>\(calls.count)</dd>
                <dt>Run id</dt><dd><code>\(run.id)</code></dd>
              </dl>
            </section>
            <section class="panel" aria-label="Code and outcome">
              <h2>Code</h2>
              <pre id="run-code"><code>\(run.code)</code></pre>
              \(result)
              \(error)
              <h2>Upstream calls</h2>
              \(callsSection)
            </section>
            """
        return Layout.page(title: "\(run.tool) run", section: .executions, session: session, main: main)
    }

    /// JSON text indented for reading (unchanged when it is not JSON, e.g. cut short).
    static func pretty(_ text: String) -> String {
        guard let value = try? JSONValue.parse(text) else { return text }
        var out = ""
        write(value, indent: "", to: &out)
        return out
    }

    private static func write(_ value: JSONValue, indent: String, to out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                write(item, indent: inner, to: &out)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let fields) where !fields.isEmpty:
            out += "{\n"
            let keys = fields.keys.sorted()
            for (i, key) in keys.enumerated() {
                out += inner + JSONValue.string(key).jsonString() + ": "
                write(fields[key]!, indent: inner, to: &out)
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            out += value.jsonString()
        }
    }

    /// The runs table (also on the overview, compact).
    static func table(_ runs: [ExecutionLog], compact: Bool) -> HTML {
        guard !runs.isEmpty else { return "<p class=\"empty\">No runs yet. They appear here when a client calls search or execute.</p>" }
        let rows = HTML.join(runs.map { r in
            let calls = (try? JSONValue.parse(r.calls))?.arrayValue?.count ?? 0
            let firstLine = r.code.split(separator: "\n").first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
                .map { String($0.prefix(80)) } ?? ""
            let codeCell: HTML = compact ? "" : "<td data-label=\"Code\"><code class=\"small\">\(firstLine)</code></td>"
            return """
                <tr><td data-label="Run"><a href="/executions/\(r.id)">\(r.tool)</a></td>
                <td data-label="Status">\(Layout.badge(r.status))</td>
                <td data-label="Duration" class="num">\(r.durationMs) ms</td>
                <td data-label="Calls" class="num">\(calls)</td>
                \(codeCell)
                <td data-label="When">\(Layout.time(r.createdAt))</td></tr>
                """
        })
        let codeHead: HTML = compact ? "" : "<th scope=\"col\">Code</th>"
        return """
            <div class="table-wrap"><table class="stack">
            <caption class="sr-only">Runs</caption>
            <thead><tr><th scope="col">Tool</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Calls</th>\(codeHead)<th scope="col">When</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }
}
