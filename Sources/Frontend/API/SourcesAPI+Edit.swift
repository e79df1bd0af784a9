import Config
import Foundation
import Hummingbird
import JunctionCore
import Stdio
import Store
import Upstream

/// `PATCH /api/v1/sources/{slug}`: rename, change URLs or authentication, rotate the
/// secret, enable or disable. Absent fields stay as they are; a change of URL or
/// authentication queues a refresh (the catalog may differ). The secret stays write-only,
/// and bound to its origin: a change of origin without the secret entered again is refused
/// with 409 `secret_origin_changed`, and nothing changes.
extension SourcesAPI {
    static let editableFields: Set<String> = ["name", "baseUrl", "specUrl", "enabled", "auth", "slug", "type", "secrets"]

    func registerEdit(on api: RouterGroup<FrontendContext>) {
        api.patch("/sources/:slug") { req, ctx in
            var req = req
            let user = try ctx.requireIdentity().user
            return try await self.edit(user: user, source: try self.source(user, ctx), request: &req)
        }
    }

    private func edit(user: User, source: Source, request: inout Request) async throws -> Response {
        let body = try await request.jsonBody(limit: 64 * 1024)
        guard let object = body.objectValue else { throw JunctionError.badRequest("the body must be a JSON object") }
        if let unknown = object.keys.sorted().first(where: { !Self.editableFields.contains($0) }) {
            throw JunctionError.badRequest("unknown field '\(unknown)': a source's name, baseUrl, specUrl, enabled and auth can be changed",
                                           code: "unknown_field")
        }
        if let slug = object["slug"], slug.stringValue != source.slug {
            throw JunctionError.badRequest("the slug cannot be changed (call names derive from it); register a new source instead")
        }
        if let type = object["type"], type.stringValue != source.type.rawValue {
            throw JunctionError.badRequest("the type cannot be changed; register a new source instead")
        }

        if source.type == .stdio, let field = ["baseUrl", "specUrl", "auth"].first(where: { object[$0] != nil }) {
            throw JunctionError.badRequest("a stdio source has no \(field); its name, enabled and secrets can be changed")
        }
        if source.type != .stdio, object["secrets"] != nil {
            throw JunctionError.badRequest("secrets belongs to stdio sources; this one's secret is auth.secret")
        }
        var changes = SourceChanges()
        var needsRefresh = false
        if source.type == .stdio, let value = object["secrets"] {
            // All of the server's secrets, entered again: the instance restarts with them.
            changes.stdioSecrets = try Self.stdioSecrets(value, server: config.common.stdioServers.server(named: source.stdioServer ?? ""))
            needsRefresh = true
        }
        if let value = object["name"] {
            guard let name = value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
                throw JunctionError.badRequest("name must be a non-empty string")
            }
            changes.name = String(name.prefix(200))
        }
        if let value = object["enabled"] {
            guard let enabled = value.boolValue else { throw JunctionError.badRequest("enabled must be true or false") }
            changes.enabled = enabled
        }
        if let value = object["baseUrl"] {
            let url = try Self.url(value, field: "baseUrl")
            if source.type == .mcp && url == nil { throw JunctionError.badRequest("an mcp source needs baseUrl") }
            if url != source.baseUrl { changes.baseUrl = .some(url); needsRefresh = true }
        }
        if let value = object["specUrl"] {
            let url = try Self.url(value, field: "specUrl")
            if source.type == .openapi && url == nil { throw JunctionError.badRequest("an openapi source needs specUrl") }
            if source.type == .mcp && url != nil { throw JunctionError.badRequest("an mcp source has no specUrl") }
            if url != source.specUrl { changes.specUrl = .some(url); needsRefresh = true }
        }
        for case let url? in [changes.baseUrl ?? nil, changes.specUrl ?? nil] {
            try await policy.check(URL(string: url)!)
        }
        if let auth = object["auth"] {
            if try applyAuth(auth, to: source, changes: &changes) { needsRefresh = true }
            if let origin = changes.confirmedOrigin { try await policy.check(URL(string: origin.description)!) }
        }

        // A new URL for an OAuth source drops its grant (see updateSource): sign in again.
        let signInNeeded = changes.authType?.rawValue == "oauth"
            || (source.authType.rawValue == "oauth" && changes.authType == nil && changes.baseUrl != nil)
        if signInNeeded {
            changes.status = .needsSignIn
        } else if needsRefresh {
            changes.status = .queued
        }
        guard let updated = try await database.updateSource(owner: user.id, slug: source.slug, changes: changes, box: box) else {
            throw JunctionError.notFound("no source with slug '\(source.slug)'", code: "source_not_found")
        }
        if signInNeeded {
            try await database.transitionSource(owner: user.id, id: updated.id, to: .needsSignIn,
                                            error: "sign in to \(updated.slug) (Connect on the dashboard) so Junction can list its tools")
        } else if needsRefresh {
            do { try await enqueueRefresh(updated) } catch {
                _ = try? await database.transitionSource(owner: user.id, id: updated.id, from: .queued, to: source.status, error: source.lastError)
                throw error
            }
        }
        return try await JSONResponse.make(Self.render(database.source(owner: user.id, id: updated.id) ?? updated))
    }

    /// Validates `auth` against the source and records what changes. Returns whether
    /// anything changed (type, header/parameter name, or secret).
    private func applyAuth(_ auth: JSONValue, to source: Source, changes: inout SourceChanges) throws -> Bool {
        let wanted = try Self.authSettings(auth, sourceType: source.type, current: source)
        var changed = false
        if wanted.type != source.authType { changes.authType = wanted.type; changed = true }
        if wanted.headerName != source.authHeaderName { changes.authHeaderName = .some(wanted.headerName); changed = true }
        if wanted.needsSecret, let secret = wanted.secret { changes.secret = .some(secret); changed = true }
        if !wanted.needsSecret && source.secretSealed != nil { changes.secret = .some(nil); changed = true }
        // Where the secret goes is decided with the write (SecretBinding): a new secret is
        // bound to baseUrl's origin or this one; a kept secret never moves.
        changes.confirmedOrigin = wanted.origin
        return changed
    }
}
