import Common
import Hummingbird

/// Resolves `Authorization: Bearer <token>` to an enabled user.
struct Authenticator: Sendable {
    let database: AppDatabase

    func user(for request: Request) throws -> User {
        guard let header = request.headers[.authorization] else {
            throw JunctionError.unauthorized("missing Authorization: Bearer <token> header")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw JunctionError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        guard let user = try database.authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw JunctionError.unauthorized("the token is invalid, revoked, or its user is disabled")
        }
        return user
    }
}
