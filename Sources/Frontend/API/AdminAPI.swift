import Foundation
import Hummingbird
import JunctionCore
import Logging
import Store

/// Admin-only JSON API: users (list, create with password, disable/enable) and the sign-in allowlist.
struct AdminAPI: Sendable {
    let auth: Authenticator
    let logger: Logger

    func register(on router: Router<FrontendContext>) {
        let admin = router.group("/api/v1/admin")
            .add(middleware: ManagementAuthMiddleware(auth: auth, challenge: .resourceMetadata))
            .add(middleware: AdminOnlyMiddleware())
        admin.get("/users") { _, _ in
            try await JSONResponse.make(["users": .array(auth.database.listUsers().map(Self.json))])
        }
        admin.post("/users") { request, _ in
            var request = request
            let body = try await request.jsonBody(limit: 16_384)
            guard let email = body["email"]?.stringValue else { throw JunctionError.badRequest("email is required", code: "invalid_email") }
            var hash: String?
            if let password = body["password"]?.stringValue {
                try PasswordPolicy.check(password)
                hash = try await PasswordHasher.hash(password)
            }
            let user = try await auth.database.createUser(email: email, isAdmin: body["isAdmin"]?.boolValue ?? false, passwordHash: hash)
            return JSONResponse.make(Self.json(user), status: .created)
        }
        admin.patch("/users/{id}") { request, context in
            var request = request
            let me = try context.requireIdentity().user
            let body = try await request.jsonBody(limit: 16_384)
            let id = context.parameters.get("id") ?? ""
            guard let disabled = body["disabled"]?.boolValue else { throw JunctionError.badRequest("send {\"disabled\": true|false}") }
            if disabled && id == me.id { throw JunctionError.badRequest("you cannot disable yourself", code: "cannot_disable_self") }
            guard let user = try await auth.database.setUserDisabled(id: id, disabled: disabled) else {
                throw JunctionError.notFound("no such user", code: "user_not_found")
            }
            logger.notice(disabled ? "user disabled" : "user enabled", metadata: ["user": "\(id)", "by": "\(me.id)"])
            return JSONResponse.make(Self.json(user))
        }
        admin.get("/allowlist") { _, _ in
            try await JSONResponse.make(["entries": .array(auth.database.listAllowlist().map(Self.json))])
        }
        admin.post("/allowlist") { request, _ in
            var request = request
            let body = try await request.jsonBody(limit: 16_384)
            let entry: AllowlistEntry
            if let email = body["email"]?.stringValue {
                guard email.contains("@"), email.count <= 320 else { throw JunctionError.badRequest("'\(email)' is not an email address", code: "invalid_email") }
                entry = try await auth.database.addAllowlistEntry(kind: "email", value: email)
            } else if var domain = body["domain"]?.stringValue {
                if domain.hasPrefix("@") { domain.removeFirst() }
                guard !domain.isEmpty, !domain.contains("@"), domain.contains("."), domain.count <= 253 else {
                    throw JunctionError.badRequest("'\(domain)' is not a domain", code: "invalid_domain")
                }
                entry = try await auth.database.addAllowlistEntry(kind: "domain", value: domain)
            } else {
                throw JunctionError.badRequest("send {\"email\": …} or {\"domain\": …}")
            }
            return JSONResponse.make(Self.json(entry), status: .created)
        }
        admin.delete("/allowlist/{id}") { _, context in
            guard try await auth.database.deleteAllowlistEntry(id: context.parameters.get("id") ?? "") else {
                throw JunctionError.notFound("no such allowlist entry", code: "entry_not_found")
            }
            return JSONResponse.empty(.noContent)
        }
    }

    static func json(_ u: User) -> JSONValue {
        ["id": .string(u.id), "email": .string(u.email), "isAdmin": .bool(u.isAdmin), "disabled": .bool(u.disabled),
         "createdAt": .string(u.createdAt.iso8601)]
    }

    static func json(_ e: AllowlistEntry) -> JSONValue {
        ["id": .string(e.id), "kind": .string(e.kind), "value": .string(e.value), "createdAt": .string(e.createdAt.iso8601)]
    }
}
