import Foundation
import Hummingbird
import Store

/// `/`: what is registered, how it is doing, where to point clients, the latest runs.
struct OverviewPage {
    let database: any JunctionStore
    let session: WebSession
    let mcpURL: String

    func render() async throws -> Response {
        let user = session.user
        let sources = try await database.sources(owner: user.id)
        let runs = try await database.executions(owner: user.id, limit: 5)
        let entries = sources.filter(\.enabled).reduce(0) { $0 + $1.entryCount }
        let failing = sources.filter { $0.status == .error }.count
        let cards: HTML = """
            <div class="cards">
              <a class="card" href="/sources"><div class="num">\(sources.count)</div><div class="label">sources registered</div></a>
              <a class="card" href="/catalog"><div class="num">\(entries)</div><div class="label">functions in your catalog</div></a>
              <a class="card" href="/sources"><div class="num">\(failing)</div><div class="label">sources with errors</div></a>
              <a class="card" href="/executions"><div class="num">\(runs.count)</div><div class="label">latest runs</div></a>
            </div>
            """
        let start: HTML = sources.isEmpty ? """
            <section class="panel" aria-labelledby="start-h">
              <h2 id="start-h">Get started</h2>
              <ol>
                <li><a href="/sources">Register a source</a>: an HTTP API described by OpenAPI, or a remote MCP server.</li>
                <li><a href="/endpoint">Create a token and add your endpoint</a> to Claude, Cursor or VS Code.</li>
                <li>Ask your model to <code>search</code> the catalog and <code>execute</code> code against it.</li>
              </ol>
            </section>
            """ : ""
        let main: HTML = """
            <div class="page-head"><h1>Overview</h1></div>
            \(cards)
            \(start)
            <div class="grid-2">
              <section class="panel" aria-labelledby="endpoint-h">
                <h2 id="endpoint-h">Your MCP endpoint</h2>
                <div class="copy-row">
                  <label for="overview-mcp-url" class="sr-only">MCP endpoint URL</label>
                  <input id="overview-mcp-url" type="text" readonly value="\(mcpURL)">
                  <button type="button" class="btn" data-copy="#overview-mcp-url">Copy</button>
                </div>
                <p class="small muted">Two tools, <code>search</code> and <code>execute</code>, over every enabled source.
                <a href="/endpoint">Client setup and tokens</a>.</p>
              </section>
              <section class="panel" aria-labelledby="runs-h">
                <h2 id="runs-h">Latest runs</h2>
                \(ExecutionsPage.table(runs, compact: true))
              </section>
            </div>
            """
        return Layout.page(title: "Overview", section: .overview, session: session, main: main)
    }
}
