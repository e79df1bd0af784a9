import Foundation
import Hummingbird
import JunctionCore
import Stdio
import Store

/// `/sources`: the table of sources with their actions, the registration form with
/// examples, and the edit and delete dialogs. `/sources/table` is the table body alone,
/// which the script reloads after a change.
struct SourcesPage {
    let database: any JunctionStore
    let session: WebSession
    /// The operator's stdio servers, offered as choices (the stdio type shows only when any).
    var stdioServers = StdioServerList()

    /// Ready-made registrations that fill the form.
    struct Example {
        let label: String
        let hint: String
        let fields: [String: String]
    }

    static let examples: [Example] = [
        Example(label: "httpbin (OpenAPI)", hint: "Local httpbin: gunicorn -b 127.0.0.1:8000 httpbin:app",
                fields: ["type": "openapi", "slug": "httpbin", "name": "httpbin", "baseUrl": "http://127.0.0.1:8000",
                         "specUrl": "http://127.0.0.1:8000/spec.json", "authType": "none"]),
        Example(label: "Swagger Petstore (OpenAPI 3)", hint: "The public Petstore v3 demo API",
                fields: ["type": "openapi", "slug": "petstore", "name": "Swagger Petstore", "baseUrl": "https://petstore3.swagger.io/api/v3",
                         "specUrl": "https://petstore3.swagger.io/api/v3/openapi.json", "authType": "none"]),
        Example(label: "GitHub REST (OpenAPI, token)", hint: "Paste a personal access token as the secret",
                fields: ["type": "openapi", "slug": "github", "name": "GitHub", "baseUrl": "https://api.github.com",
                         "specUrl": "https://raw.githubusercontent.com/github/rest-api-description/main/descriptions/api.github.com/api.github.com.json",
                         "authType": "bearer"]),
        Example(label: "FastMCP server (MCP)", hint: "fastmcp run server.py --transport http --port 8001",
                fields: ["type": "mcp", "slug": "fastmcp", "name": "FastMCP server", "baseUrl": "http://127.0.0.1:8001/mcp", "authType": "none"]),
        Example(label: "MCP server with OAuth", hint: "Sign in to the server in a popup after registering",
                fields: ["type": "mcp", "slug": "oauth_mcp", "name": "MCP with OAuth", "baseUrl": "http://127.0.0.1:8002/mcp", "authType": "oauth"]),
    ]

    func render() async throws -> Response {
        let sources = try await database.sources(owner: session.user.id)
        let exampleButtons = HTML.join(Self.examples.map { ex in
            let json = JSONValue.object(ex.fields.mapValues { .string($0) }).jsonString()
            return """
                <button type="button" class="btn example" data-example="\(json)">\(ex.label)<span class="hint">\(ex.hint)</span></button>
                """
        })
        let main: HTML = """
            <div class="page-head">
              <h1 id="sources-heading" tabindex="-1">Sources</h1>
            </div>
            <p class="muted">Each enabled source adds its operations or tools to your catalog as <code>codemode.&lt;slug&gt;_&lt;name&gt;()</code>.
            Secrets are stored encrypted and are never shown again.</p>
            <section class="panel" aria-labelledby="sources-heading">
              <div class="table-wrap">
              <table id="sources-table" class="stack">
                <caption class="sr-only">Registered sources</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Entries</th>
                <th scope="col">Last refresh</th><th scope="col">Last error</th><th scope="col">Actions</th></tr></thead>
                <tbody>\(Self.rows(sources))</tbody>
              </table>
              </div>
            </section>
            <section class="panel" aria-labelledby="register-h">
              <h2 id="register-h">Register a source</h2>
              <p class="small muted">Start from an example, or fill in the form.</p>
              <div class="examples" role="group" aria-label="Examples">\(exampleButtons)</div>
              <form id="register-form" novalidate>
                <fieldset>
                  <legend>Type</legend>
                  <div class="choices">
                    <label><input type="radio" name="type" value="openapi" checked> OpenAPI (HTTP API with a spec)</label>
                    <label><input type="radio" name="type" value="mcp"> MCP server (Streamable HTTP or SSE)</label>
                    \(stdioServers.servers.isEmpty ? "" : HTML(raw: "<label><input type=\"radio\" name=\"type\" value=\"stdio\"> Local MCP server (stdio, run for you in a sandbox)</label>"))
                  </div>
                </fieldset>
                <div class="form-grid spaced">
                  <div class="field">
                    <label for="reg-slug">Slug <span class="hint">lowercase letters, digits, _</span></label>
                    <input id="reg-slug" name="slug" type="text" required pattern="[a-z][a-z0-9_]{0,39}" autocomplete="off" spellcheck="false" placeholder="httpbin">
                  </div>
                  <div class="field">
                    <label for="reg-name">Name</label>
                    <input id="reg-name" name="name" type="text" maxlength="200" autocomplete="off" placeholder="httpbin">
                  </div>
                  <div class="field" data-for-type="openapi">
                    <label for="reg-spec">Spec URL <span class="hint">OpenAPI 3.x or Swagger 2.0, JSON or YAML</span></label>
                    <input id="reg-spec" name="specUrl" type="url" placeholder="https://api.example.com/openapi.json" spellcheck="false">
                  </div>
                  \(Self.stdioFields(stdioServers))
                  <div class="field" data-for-type="openapi mcp">
                    <label for="reg-base">Base URL <span class="hint" data-for-type="openapi">optional: overrides the spec's servers</span><span class="hint" data-for-type="mcp" hidden>the server's MCP endpoint</span></label>
                    <input id="reg-base" name="baseUrl" type="url" placeholder="https://api.example.com" spellcheck="false">
                  </div>
                  \(Self.authFields(prefix: "reg", editing: false))
                </div>
                <p class="form-error" role="alert"></p>
                <div class="form-actions">
                  <button type="submit" class="btn btn-primary">Register and refresh</button>
                  <button type="reset" class="btn btn-quiet">Clear</button>
                </div>
              </form>
            </section>
            \(Self.editDialog)
            <dialog id="delete-dialog" aria-labelledby="delete-title">
              <form method="dialog">
                <h2 id="delete-title">Delete this source?</h2>
                <p>Deleting <strong id="delete-name"></strong> removes its catalog entries and its stored secret. Code that calls its functions stops working.</p>
                <p class="form-error" role="alert"></p>
                <div class="form-actions">
                  <button type="submit" class="btn btn-danger solid">Delete source</button>
                  <button type="button" class="btn" data-close>Cancel</button>
                </div>
              </form>
            </dialog>
            """
        return Layout.page(title: "Sources", section: .sources, session: session, main: main)
    }

    /// The server choice and, per declared secret, an input shown for the servers that take it.
    static func stdioFields(_ stdioServers: StdioServerList) -> HTML {
        guard !stdioServers.servers.isEmpty else { return "" }
        let options = HTML.join(stdioServers.servers.map { server in
            "<option value=\"\(server.name)\">\(server.name)\(server.network ? " (network)" : "")</option>"
        })
        var names: [String] = []
        for server in stdioServers.servers { for name in server.secrets where !names.contains(name) { names.append(name) } }
        let secrets = HTML.join(names.enumerated().map { index, name in
            let takers = stdioServers.servers.filter { $0.secrets.contains(name) }.map(\.name).joined(separator: " ")
            return """
                <div class="field" data-for-type="stdio" data-for-server="\(takers)" hidden>
                  <label for="reg-stdio-secret-\(index)">\(name) <span class="hint">stored encrypted; given only to your instance</span></label>
                  <input id="reg-stdio-secret-\(index)" name="stdioSecret" data-secret-name="\(name)" type="password" autocomplete="new-password" spellcheck="false">
                </div>
                """
        })
        return """
            <div class="field" data-for-type="stdio" hidden>
              <label for="reg-server">Server <span class="hint">declared by your operator; your own instance and data folder</span></label>
              <select id="reg-server" name="server">\(options)</select>
            </div>
            \(secrets)
            """
    }

    /// The table body alone.
    func tableFragment() async throws -> Response {
        let html = Self.rows(try await database.sources(owner: session.user.id))
        var headers = Layout.htmlHeaders()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    static func rows(_ sources: [Source]) -> HTML {
        guard !sources.isEmpty else {
            return "<tr><td colspan=\"7\" class=\"empty\">No sources yet. Register one below.</td></tr>"
        }
        return HTML.join(sources.map(row))
    }

    static func row(_ s: Source) -> HTML {
        let json = SourcesAPI.render(s).jsonString()
        let status = s.enabled ? s.displayStatus : "disabled"
        let error: HTML = s.lastError.map { "<span class=\"error-text\">\($0)</span>" } ?? "<span class=\"muted\">—</span>"
        let connect: HTML = s.type == .mcp && s.authType.rawValue == "oauth"
            ? (s.status == .needsSignIn || s.status == .error
                ? "<button type=\"button\" class=\"btn btn-sm btn-primary\" data-action=\"connect\">Connect</button>"
                : "<button type=\"button\" class=\"btn btn-sm\" data-action=\"connect\">Reconnect</button>") : ""
        let busy = [.ready, .error].contains(s.status) ? "false" : "true"
        return """
            <tr data-slug="\(s.slug)" data-source="\(json)" aria-busy="\(busy)"\(HTML(raw: s.enabled ? "" : " class=\"is-disabled\""))>
              <th scope="row" data-label="Name" class="cell-name">\(s.name)<span class="slug">\(s.slug)</span></th>
              <td data-label="Type">\(typeLabel(s))</td>
              <td data-label="Status" data-cell="status">\(Layout.badge(status))</td>
              <td data-label="Entries" data-cell="entries" class="num">\(s.entryCount)</td>
              <td data-label="Last refresh" data-cell="refreshed">\(Layout.time(s.lastRefreshAt))</td>
              <td data-label="Last error" data-cell="error">\(error)</td>
              <td data-label="Actions"><div class="actions">
                \(connect)
                <button type="button" class="btn btn-sm" data-action="refresh" aria-label="Refresh \(s.name)">Refresh</button>
                <button type="button" class="btn btn-sm" data-action="toggle" aria-label="\(s.enabled ? "Disable" : "Enable") \(s.name)">\(s.enabled ? "Disable" : "Enable")</button>
                <button type="button" class="btn btn-sm" data-action="edit" aria-label="Edit \(s.name)">Edit</button>
                <button type="button" class="btn btn-sm btn-danger" data-action="delete" aria-label="Delete \(s.name)">Delete</button>
              </div></td>
            </tr>
            """
    }

    private static func typeLabel(_ s: Source) -> HTML {
        switch s.type {
        case .openapi: "OpenAPI<span class=\"slug\">auth: \(s.authType.rawValue)</span>"
        case .mcp: "MCP<span class=\"slug\">auth: \(s.authType.rawValue)</span>"
        case .stdio: "stdio<span class=\"slug\">server: \(s.stdioServer ?? "")</span>"
        }
    }

    /// Auth type, header/parameter name and secret inputs (shown as the type needs them).
    static func authFields(prefix p: String, editing: Bool) -> HTML {
        let secretHint = editing ? "leave empty to keep the stored secret; type a new one to rotate it" : "stored encrypted; never shown again"
        return """
            <div class="field" data-for-type="openapi mcp">
              <label for="\(p)-auth">Authentication</label>
              <select id="\(p)-auth" name="authType">
                <option value="none">None</option>
                <option value="bearer">Bearer token</option>
                <option value="header">API key in a header</option>
                <option value="query" data-types="openapi">API key in a query parameter</option>
                <option value="basic" data-types="openapi">HTTP basic (user:password)</option>
                <option value="oauth" data-types="mcp">OAuth (sign in to the server)</option>
              </select>
            </div>
            <div class="field" data-for-auth="header" hidden>
              <label for="\(p)-header">Header name</label>
              <input id="\(p)-header" name="headerName" type="text" placeholder="X-Api-Key" autocomplete="off" spellcheck="false">
            </div>
            <div class="field" data-for-auth="query" hidden>
              <label for="\(p)-param">Query parameter</label>
              <input id="\(p)-param" name="paramName" type="text" placeholder="api_key" autocomplete="off" spellcheck="false">
            </div>
            <div class="field" data-for-auth="bearer header query basic" hidden>
              <label for="\(p)-secret">\(editing ? "New secret" : "Secret") <span class="hint">\(secretHint)</span></label>
              <input id="\(p)-secret" name="secret" type="password" autocomplete="new-password" spellcheck="false">
            </div>
            """
    }

    static let editDialog: HTML = """
        <dialog id="edit-dialog" aria-labelledby="edit-title">
          <form novalidate>
            <h2 id="edit-title">Edit source</h2>
            <div class="form-grid">
              <div class="field wide">
                <label for="edit-name">Name</label>
                <input id="edit-name" name="name" type="text" maxlength="200" autocomplete="off">
              </div>
              <div class="field wide" data-for-type="openapi">
                <label for="edit-spec">Spec URL</label>
                <input id="edit-spec" name="specUrl" type="url" spellcheck="false">
              </div>
              <div class="field wide" data-for-type="openapi mcp">
                <label for="edit-base">Base URL</label>
                <input id="edit-base" name="baseUrl" type="url" spellcheck="false">
              </div>
              \(authFields(prefix: "edit", editing: true))
            </div>
            <p class="small muted">Changing URLs or authentication refreshes the source.</p>
            <p class="form-error" role="alert"></p>
            <div class="form-actions">
              <button type="submit" class="btn btn-primary">Save</button>
              <button type="button" class="btn" data-close>Cancel</button>
            </div>
          </form>
        </dialog>
        """
}
