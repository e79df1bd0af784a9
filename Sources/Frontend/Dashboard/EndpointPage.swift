import Foundation
import Hummingbird

/// `/endpoint`: the person's `/mcp` URL, ready-to-paste client configuration, and personal
/// API tokens (listed, created and revoked through `/api/v1/tokens`). A new token is shown
/// once and filled into the snippets.
struct EndpointPage {
    let session: WebSession
    let mcpURL: String

    /// One client's configuration.
    struct Client {
        let id: String
        let name: String
        let file: String
        /// Lines of the snippet; `TOKEN` marks where the token goes.
        let snippet: String
        let note: String
    }

    var clients: [Client] {
        [
            Client(id: "claude-code", name: "Claude Code", file: "Run in a terminal",
                   snippet: "claude mcp add --transport http junction \(mcpURL) --header \"Authorization: Bearer TOKEN\"",
                   note: "Without --header, Claude Code signs you in through Junction's OAuth instead."),
            Client(id: "claude-desktop", name: "Claude Desktop", file: "claude_desktop_config.json",
                   snippet: """
                   {
                     "mcpServers": {
                       "junction": {
                         "command": "npx",
                         "args": ["-y", "mcp-remote", "\(mcpURL)", "--header", "Authorization:${JUNCTION_AUTH}"],
                         "env": { "JUNCTION_AUTH": "Bearer TOKEN" }
                       }
                     }
                   }
                   """,
                   note: "Or add it under Settings → Connectors → Add custom connector with the URL alone (OAuth sign-in)."),
            Client(id: "cursor", name: "Cursor", file: "~/.cursor/mcp.json",
                   snippet: """
                   {
                     "mcpServers": {
                       "junction": {
                         "url": "\(mcpURL)",
                         "headers": { "Authorization": "Bearer TOKEN" }
                       }
                     }
                   }
                   """,
                   note: "Restart Cursor or toggle the server in Settings → MCP after saving."),
            Client(id: "vscode", name: "VS Code", file: ".vscode/mcp.json",
                   snippet: """
                   {
                     "servers": {
                       "junction": {
                         "type": "http",
                         "url": "\(mcpURL)",
                         "headers": { "Authorization": "Bearer TOKEN" }
                       }
                     }
                   }
                   """,
                   note: "Keep this file out of version control when it holds a token."),
        ]
    }

    /// The snippet as HTML: escaped text with a slot the script fills with a new token.
    static func snippetHTML(_ snippet: String) -> HTML {
        HTML.join(snippet.components(separatedBy: "TOKEN").map { "\($0)" },
                  separator: "<span data-token-slot>YOUR_TOKEN</span>")
    }

    func render() -> Response {
        let tabs = HTML.join(clients.map { c in
            "<button type=\"button\" role=\"tab\" id=\"tab-\(c.id)\" aria-controls=\"panel-\(c.id)\" aria-selected=\"false\">\(c.name)</button>"
        })
        let panels = HTML.join(clients.map { c in
            """
            <div role="tabpanel" id="panel-\(c.id)" aria-labelledby="tab-\(c.id)" class="config">
              <h3>\(c.name) <span class="hint">\(c.file)</span></h3>
              <div class="config">
                <pre id="snippet-\(c.id)"><code>\(Self.snippetHTML(c.snippet))</code></pre>
                <button type="button" class="btn btn-sm copy-btn" data-copy="#snippet-\(c.id)" aria-label="Copy the \(c.name) configuration">Copy</button>
              </div>
              <p class="small muted">\(c.note)</p>
            </div>
            """
        })
        let main: HTML = """
            <div class="page-head"><h1>Endpoint</h1></div>
            <section class="panel" aria-labelledby="url-h">
              <h2 id="url-h">Your MCP endpoint</h2>
              <div class="copy-row">
                <label for="mcp-url" class="sr-only">MCP endpoint URL</label>
                <input id="mcp-url" type="text" readonly value="\(mcpURL)">
                <button type="button" class="btn btn-primary" id="copy-mcp-url" data-copy="#mcp-url">Copy</button>
              </div>
              <p class="small muted">Streamable HTTP (MCP 2026-07-28 and 2025-11-25) and legacy SSE. Clients authenticate with a personal
              token below, or sign in through Junction's OAuth when they support it.</p>
            </section>
            <section class="panel" aria-labelledby="clients-h">
              <h2 id="clients-h">Add it to your client</h2>
              <div class="tabs" role="tablist" aria-label="Clients">\(tabs)</div>
              \(panels)
            </section>
            <section class="panel" aria-labelledby="tokens-h">
              <h2 id="tokens-h">Personal API tokens</h2>
              <p class="small muted">A token acts as you on <code>/mcp</code> and the management API. Create one per client, revoke it when a device is gone.</p>
              <form id="token-form" class="searchbar">
                <div class="field">
                  <label for="token-name">Token name</label>
                  <input id="token-name" name="tokenName" type="text" maxlength="100" placeholder="e.g. laptop – Claude Code" autocomplete="off">
                </div>
                <button type="submit" class="btn btn-primary">Create token</button>
                <p class="form-error" role="alert"></p>
              </form>
              <div id="token-reveal" class="token-reveal" hidden>
                <p><strong>Copy your new token now.</strong> It is shown only once and has been filled into the configurations above.</p>
                <div class="copy-row">
                  <label for="new-token" class="sr-only">New token</label>
                  <input id="new-token" type="text" readonly>
                  <button type="button" class="btn" data-copy="#new-token">Copy</button>
                </div>
              </div>
              <div class="table-wrap">
                <table class="stack">
                  <caption class="sr-only">Your tokens</caption>
                  <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
                  <tbody id="tokens-body"><tr><td colspan="4" class="empty">Loading…</td></tr></tbody>
                </table>
              </div>
            </section>
            """
        return Layout.page(title: "Endpoint", section: .endpoint, session: session, main: main)
    }
}
