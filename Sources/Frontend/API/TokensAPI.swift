import Foundation
import Hummingbird
import JunctionCore
import Logging
import Store

/// `/api/v1/me` and personal API tokens: `POST /api/v1/tokens` (the secret is shown once),
/// `GET /api/v1/tokens` (last use, never the secret), `DELETE /api/v1/tokens/{id}`.
struct TokensAPI: Sendable {
    let auth: Authenticator
    let logger: Logger

    func register(on router: Router<FrontendContext>) {
        let api = router.group("/api/v1").add(middleware: ManagementAuthMiddleware(auth: auth, challenge: .resourceMetadata))
        api.get("/me") { _, context in
            let user = try context.requireIdentity().user
            return JSONResponse.make(["id": .string(user.id), "email": .string(user.email), "isAdmin": .bool(user.isAdmin)])
        }
        api.get("/tokens") { _, context in
            let tokens = try auth.database.listAPITokens(owner: try context.requireIdentity().user.id)
            return JSONResponse.make(["tokens": .array(tokens.map(Self.json))])
        }
        api.post("/tokens") { request, context in
            var request = request
            let user = try context.requireIdentity().user
            let body = try await request.jsonBody(limit: 16_384)
            let name = (body["name"]?.stringValue ?? "api").trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 100 else { throw JunctionError.badRequest("name must be 1–100 characters", code: "invalid_name") }
            let (token, record) = try auth.database.createAPIToken(owner: user.id, name: name)
            var json = Self.json(record)
            if case .object(var o) = json { o["token"] = .string(token); json = .object(o) }
            return JSONResponse.make(json, status: .created)
        }
        api.delete("/tokens/{id}") { _, context in
            guard try auth.database.revokeAPIToken(id: context.parameters.get("id") ?? "", owner: try context.requireIdentity().user.id) else {
                throw JunctionError.notFound("no such token", code: "token_not_found")
            }
            return JSONResponse.empty(.noContent)
        }
    }

    static func json(_ t: APIToken) -> JSONValue {
        ["id": .string(t.id), "name": .string(t.name), "createdAt": .string(t.createdAt.iso8601),
         "lastUsedAt": t.lastUsedAt.map { .string($0.iso8601) } ?? .null,
         "revokedAt": t.revokedAt.map { .string($0.iso8601) } ?? .null]
    }
}
