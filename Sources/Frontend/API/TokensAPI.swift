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
        router.get("/api/v1/me") { request, _ in await guarded(request, auth: auth, logger: logger) { user, _ in
            JSONResponse.make(["id": .string(user.id), "email": .string(user.email), "isAdmin": .bool(user.isAdmin)])
        } }
        router.get("/api/v1/tokens") { request, _ in await guarded(request, auth: auth, logger: logger) { user, _ in
            let tokens = try await auth.database.listAPITokens(owner: user.id)
            return JSONResponse.make(["tokens": .array(tokens.map(Self.json))])
        } }
        router.post("/api/v1/tokens") { request, _ in await guarded(request, auth: auth, logger: logger) { user, request in
            let body = try await request.jsonBody(limit: 16_384)
            let name = (body["name"]?.stringValue ?? "api").trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 100 else { throw JunctionError.badRequest("name must be 1–100 characters", code: "invalid_name") }
            let (token, record) = try await auth.database.createAPIToken(owner: user.id, name: name)
            var json = Self.json(record)
            if case .object(var o) = json { o["token"] = .string(token); json = .object(o) }
            return JSONResponse.make(json, status: .created)
        } }
        router.delete("/api/v1/tokens/{id}") { request, context in await guarded(request, auth: auth, logger: logger) { user, _ in
            guard try await auth.database.revokeAPIToken(id: context.parameters.get("id") ?? "", owner: user.id) else {
                throw JunctionError.notFound("no such token", code: "token_not_found")
            }
            return JSONResponse.empty(.noContent)
        } }
    }

    static func json(_ t: APIToken) -> JSONValue {
        ["id": .string(t.id), "name": .string(t.name), "createdAt": .string(t.createdAt.iso8601),
         "lastUsedAt": t.lastUsedAt.map { .string($0.iso8601) } ?? .null,
         "revokedAt": t.revokedAt.map { .string($0.iso8601) } ?? .null]
    }
}

/// Authenticates (bearer or session cookie + CSRF), runs the handler, and maps errors to JSON.
func guarded(_ incoming: Request, auth: Authenticator, logger: Logger,
             _ body: (User, inout Request) async throws -> Response) async -> Response {
    var request = incoming
    do {
        let user = try await auth.user(for: request, accepting: .management)
        return try await body(user, &request)
    } catch let error as any CodedError {
        return JSONResponse.error(JunctionError(error), headers: error.status == 401 ? [.wwwAuthenticate: auth.challenge(for: JunctionError(error))] : [:])
    } catch {
        logger.error("API failure", metadata: ["error": "\(error)"])
        return JSONResponse.error(JunctionError("internal_error", "internal error"))
    }
}
