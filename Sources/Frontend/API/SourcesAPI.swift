import Catalog
import Config
import Foundation
import HTTPTypes
import Hummingbird
import Jobs
import JunctionCore
import Logging
import Runs
import Secrets
import Stdio
import Store
import Upstream

/// `/api/v1/sources` and `/api/v1/executions`: the management API.
struct SourcesAPI: Sendable {
    let auth: Authenticator
    let database: any JunctionStore
    let queue: JobQueue
    let box: SecretBox
    let policy: OutboundPolicy
    let config: FrontendConfiguration
    let logger: Logger

    func register(on router: Router<FrontendContext>) {
        let api = router.group("/api/v1").add(middleware: ManagementAuthMiddleware(auth: auth, challenge: .realm))
        api.get("/sources") { _, ctx in
            try await JSONResponse.make(["sources": .array(database.sources(owner: try ctx.requireIdentity().user.id).map(Self.render))])
        }
        api.post("/sources") { req, ctx in
            var req = req
            return try await self.create(user: try ctx.requireIdentity().user, request: &req)
        }
        api.get("/sources/:slug") { _, ctx in
            try await JSONResponse.make(Self.render(self.source(ctx.requireIdentity().user, ctx)))
        }
        api.delete("/sources/:slug") { _, ctx in
            let user = try ctx.requireIdentity().user
            let source = try await self.source(user, ctx)
            try await database.deleteSource(owner: user.id, slug: source.slug)
            return JSONResponse.empty(.noContent)
        }
        api.post("/sources/:slug/refresh") { _, ctx in
            let user = try ctx.requireIdentity().user
            let source = try await self.source(user, ctx)
            // "queued" is shown until a refresher picks the job up, so a watcher never mistakes
            // the old outcome for the new one; it is also what keeps a second job out.
            guard try await database.markRefreshQueued(owner: user.id, id: source.id) else {
                return JSONResponse.make(["status": "queued", "source": .string(source.slug), "alreadyQueued": true,
                                          "message": "a refresh of this source is already queued; it was not queued again"], status: .accepted)
            }
            do { try await self.enqueueRefresh(source) } catch {
                _ = try? await database.transitionSource(owner: user.id, id: source.id, from: .queued, to: source.status, error: source.lastError)
                throw error
            }
            return JSONResponse.make(["status": "queued", "source": .string(source.slug), "alreadyQueued": false], status: .accepted)
        }
        registerEdit(on: api)
        registerCatalog(on: api)
        api.get("/executions") { req, ctx in
            let user = try ctx.requireIdentity().user
            let limit = req.uri.queryParameters.get("limit").flatMap(Int.init) ?? 50
            let rows = try await database.executions(owner: user.id, limit: limit, after: req.uri.queryParameters.get("before").map { String($0) })
            var body: [String: JSONValue] = ["executions": .array(rows.map { r in
                ["id": .string(r.id), "tool": .string(r.tool), "status": .string(r.status), "durationMs": .number(Double(r.durationMs)),
                 "code": .string(r.code), "calls": (try? JSONValue.parse(r.calls)) ?? [], "resultPreview": r.resultPreview.map { .string($0) } ?? .null,
                 "error": r.error.map { .string($0) } ?? .null, "createdAt": .string(r.createdAt.iso8601)]
            })]
            if rows.count == max(1, min(limit, 200)), let last = rows.last { body["next"] = .string(last.id) }
            return JSONResponse.make(.object(body))
        }
    }

    func source(_ user: User, _ context: FrontendContext) async throws -> Source {
        let slug = context.parameters.get("slug") ?? ""
        guard let source = try await database.source(owner: user.id, slug: slug) else {
            throw JunctionError.notFound("no source with slug '\(slug)'", code: "source_not_found")
        }
        return source
    }

    private func create(user: User, request: inout Request) async throws -> Response {
        let body = try await request.jsonBody(limit: 64 * 1024)
        guard body.objectValue != nil else { throw JunctionError.badRequest("the body must be a JSON object") }
        guard let slug = body["slug"]?.stringValue, CallName.isValidSlug(slug) else {
            throw JunctionError.badRequest("slug is required: lowercase letters, digits and _, starting with a letter, at most 40 characters", code: "invalid_slug")
        }
        guard let type = body["type"]?.stringValue.flatMap(SourceType.init(rawValue:)) else {
            throw JunctionError.badRequest("type must be \"openapi\", \"mcp\" or \"stdio\"")
        }
        if type == .stdio { return try await createStdio(user: user, slug: slug, body: body) }
        let baseUrl = try Self.url(body["baseUrl"], field: "baseUrl")
        let specUrl = try Self.url(body["specUrl"], field: "specUrl")
        if type == .openapi && specUrl == nil { throw JunctionError.badRequest("an openapi source needs specUrl") }
        if type == .mcp && baseUrl == nil { throw JunctionError.badRequest("an mcp source needs baseUrl") }
        for url in [baseUrl, specUrl].compactMap({ $0 }) { try await policy.check(URL(string: url)!) }
        let auth = try Self.authSettings(body["auth"] ?? ["type": "none"], sourceType: type, current: nil)
        if let origin = auth.origin { try await policy.check(URL(string: origin.description)!) }
        let name = body["name"]?.stringValue.map { String($0.prefix(200)) } ?? slug
        // The secret is bound to baseUrl's origin or auth.origin; without either it is refused.
        let source = try await database.createSource(
            owner: user.id,
            draft: SourceDraft(slug: slug, type: type, name: name, baseUrl: baseUrl, specUrl: specUrl, authType: auth.type,
                               authHeaderName: auth.headerName, secret: auth.needsSecret ? auth.secret : nil,
                               secretOrigin: auth.origin),
            box: box)
        if auth.type == .oauth {
            // Nothing to list until the user signs in; the callback queues the first refresh.
            let message = UpstreamOAuthError.needsSignIn(source.slug, reason: "nobody has signed in to it yet").message
            try await database.transitionSource(owner: user.id, id: source.id, to: .needsSignIn, error: message)
            return try await JSONResponse.make(Self.render(database.source(owner: user.id, id: source.id) ?? source), status: .created)
        }
        try await enqueueRefresh(source)
        return JSONResponse.make(Self.render(source), status: .created)
    }

    /// A stdio source: one of the operator's declared servers, with the user's values for its
    /// secrets; its instance starts when the refresher first lists its tools.
    private func createStdio(user: User, slug: String, body: JSONValue) async throws -> Response {
        for field in ["baseUrl", "specUrl", "auth"] where body[field].map({ !$0.isNull }) == true {
            throw JunctionError.badRequest("a stdio source has no \(field): it runs a server the operator declared, named by server")
        }
        guard let name = body["server"]?.stringValue else {
            throw JunctionError.badRequest("a stdio source needs server: the name of a declared stdio server", code: "stdio_server_unknown")
        }
        let server = try config.common.stdioServers.server(named: name)
        let secrets = try Self.stdioSecrets(body["secrets"], server: server)
        let displayName = body["name"]?.stringValue.map { String($0.prefix(200)) } ?? slug
        let source = try await database.createSource(
            owner: user.id,
            draft: SourceDraft(slug: slug, type: .stdio, name: displayName, baseUrl: nil, specUrl: nil, stdioServer: server.name,
                               stdioSecrets: secrets),
            box: box)
        try await enqueueRefresh(source)
        return JSONResponse.make(Self.render(source), status: .created)
    }

    /// The values for every secret `server` declares, checked: each named by the server,
    /// a non-empty string, none missing.
    static func stdioSecrets(_ raw: JSONValue?, server: StdioServerDeclaration) throws -> [String: String] {
        var secrets: [String: String] = [:]
        if let raw, !raw.isNull {
            guard let object = raw.objectValue else { throw JunctionError.badRequest("secrets must be an object of strings") }
            for (key, value) in object {
                guard server.secrets.contains(key) else {
                    throw JunctionError.badRequest("stdio server \(server.name) takes no secret named \(key)\(server.secrets.isEmpty ? "" : "; it takes \(server.secrets.joined(separator: ", "))")",
                                                   code: "stdio_secret_unknown")
                }
                guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 8192, !text.contains("\0") else {
                    throw JunctionError.badRequest("secret \(key) must be a non-empty string of at most 8192 bytes")
                }
                secrets[key] = text
            }
        }
        if let missing = server.secrets.first(where: { secrets[$0] == nil }) {
            throw JunctionError.badRequest("stdio server \(server.name) needs the secret \(missing) (secrets: {\"\(missing)\": \"…\"})",
                                           code: "stdio_secret_missing")
        }
        return secrets
    }

    func enqueueRefresh(_ source: Source) async throws {
        do {
            try await queue.enqueue(JobEnvelope(RefreshRequest(sourceID: source.id), owner: source.owner))
        } catch {
            logger.error("cannot enqueue refresh", metadata: ["error": "\(error)"])
            throw JunctionError("queue_unavailable", "the job queue is unavailable; try again shortly", status: 503)
        }
    }

    static func url(_ value: JSONValue?, field: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", url.host != nil, text.count <= 2048 else {
            throw JunctionError.badRequest("\(field) must be an http(s) URL")
        }
        return text
    }

    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "!#$%&'*+-.^_`|~".unicodeScalars.contains($0)
        } && !["host", "content-length", "transfer-encoding", "connection", "cookie"].contains(name.lowercased())
    }

    /// A source as the API shows it: never the secret, not even sealed; only where it goes
    /// (`secretOrigin`), and `needs_secret` as its status while it has none it may send.
    static func render(_ s: Source) -> JSONValue {
        return [
            "id": .string(s.id), "slug": .string(s.slug), "type": .string(s.type.rawValue), "name": .string(s.name),
            "server": s.stdioServer.map { .string($0) } ?? .null,
            "baseUrl": s.baseUrl.map { .string($0) } ?? .null, "specUrl": s.specUrl.map { .string($0) } ?? .null,
            "secretOrigin": s.secretSealed == nil ? .null : (s.secretBoundOrigin.map { .string($0.description) } ?? .null),
            "enabled": .bool(s.enabled), "status": .string(s.displayStatus), "entryCount": .number(Double(s.entryCount)),
            "lastRefreshAt": s.lastRefreshAt.map { .string($0.iso8601) } ?? .null,
            "lastError": s.lastError.map { .string($0) } ?? .null,
            "auth": ["type": .string(s.authType.rawValue), "headerName": s.authHeaderName.map { .string($0) } ?? .null,
                     "hasSecret": .bool(s.secretSealed != nil)],
            "createdAt": .string(s.createdAt.iso8601),
        ]
    }
}
