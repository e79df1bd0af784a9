import Config
import Configuration
import Foundation
@testable import Frontend
import HTTPTypes
import Hummingbird
import JunctionCore
import Logging
import Redis
import Secrets
import Store
import TestSupport

/// The whole frontend router on a temporary SQLite file and a private redis-server, built
/// by `buildRouter(dependencies:)` exactly as the binary builds it, with an administrator,
/// a plain user, their personal tokens, an OAuth access token for `/mcp` and a browser
/// session.
final class FrontendFixture: @unchecked Sendable {
    static let publicURL = "http://127.0.0.1:8080"

    let server: RedisServer
    let redis: RedisClient
    let database: AppDatabase
    let dependencies: FrontendDependencies
    let admin: User
    let adminToken: String
    let user: User
    let userToken: String
    /// An OAuth access token (audience `/mcp`) of `user`.
    let accessToken = "jat_route_fixture_access_token"
    /// `user`'s browser session cookie value and its CSRF token.
    let sessionCookie: String
    let csrf: String

    init() async throws {
        server = try await RedisServer()
        redis = RedisClient(url: server.url)
        let dir = TestEnvironment.temporaryDirectory()
        let environment: [String: String] = [
            "REDIS_URL": "redis://127.0.0.1:\(server.port)",
            "JUNCTION_DATABASE_PATH": dir.appendingPathComponent("frontend.sqlite").path,
            "JUNCTION_MASTER_KEY": Data(repeating: 7, count: 32).base64EncodedString(),
            "JUNCTION_PUBLIC_URL": Self.publicURL,
            "JUNCTION_ALLOW_LOOPBACK_HTTP": "1",
        ]
        let config = try FrontendConfiguration(reader: ConfigReader(environment: environment))
        database = try AppDatabase(path: config.common.databasePath)
        dependencies = FrontendDependencies(database: database, redis: redis, config: config, logger: Logger(label: "route-test"))
        admin = try database.createUser(email: "admin@example.com", isAdmin: true, passwordHash: nil)
        adminToken = try database.createAPIToken(owner: admin.id, name: "admin").token
        user = try database.createUser(email: "user@example.com", isAdmin: false, passwordHash: nil)
        userToken = try database.createAPIToken(owner: user.id, name: "user").token
        try database.insertOAuthTokens([OAuthToken(id: "fixture-access", tokenHash: TokenHasher.hash(accessToken), kind: "access", familyId: "f",
                                                   clientId: "c", userId: user.id, scope: "mcp", resource: Self.publicURL + "/mcp",
                                                   createdAt: Date(), expiresAt: Date().addingTimeInterval(3600), usedAt: nil, revokedAt: nil)])
        sessionCookie = try database.createWebSession(userId: user.id, lifetime: 3600)
        csrf = Authenticator.csrfToken(forSession: sessionCookie)
    }

    deinit {
        redis.close()
        server.stop()
    }

    /// The application as `junction-frontend` serves it.
    func app() throws -> some ApplicationProtocol { try buildApplication(dependencies: dependencies) }

    func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
    /// The session cookie, with the CSRF header when `csrf` is set.
    func session(csrf: Bool = false) -> HTTPFields {
        var headers: HTTPFields = [.cookie: "\(Authenticator.sessionCookie)=\(sessionCookie)"]
        if csrf { headers[HTTPField.Name(Authenticator.csrfHeader)!] = self.csrf }
        return headers
    }

    static func json(_ buffer: ByteBuffer) -> JSONValue? { try? JSONValue.parse(Data(buffer.readableBytesView)) }
}
