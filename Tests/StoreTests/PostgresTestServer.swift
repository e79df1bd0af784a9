import Foundation
import Logging
import PostgresNIO
import Store

/// The PostgreSQL server the store tests use: `JUNCTION_TEST_DATABASE_URL`, which `ops/test`
/// sets to a private server it starts on a free loopback port (Debian's `postgresql`). Each
/// test gets a database of its own, created here and dropped when it ends.
enum PostgresTestServer {
    static let variable = "JUNCTION_TEST_DATABASE_URL"
    static let logger: Logger = {
        var logger = Logger(label: "junction.tests.postgres")
        // PostgresNIO reports connections cancelled by a closing pool at info.
        logger.logLevel = .warning
        return logger
    }()

    /// The server's URL; a clear failure when the variable is unset (never a skip).
    static func serverURL() throws -> PostgresURL {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else {
            throw StoreError.unavailable("""
                \(variable) is not set, so the PostgreSQL store tests cannot run: run them through `ops/test swift`, \
                which starts a private PostgreSQL, or set it to postgres://user:password@127.0.0.1:PORT/postgres \
                of a server where that user may CREATE DATABASE
                """)
        }
        return try PostgresURL(text)
    }

    /// `JUNCTION_TEST_DATABASE_URL` as text, naming `database` instead (what an operator
    /// would put in `JUNCTION_DATABASE_URL`).
    static func urlText(database: String) throws -> String {
        _ = try serverURL()
        guard var components = URLComponents(string: ProcessInfo.processInfo.environment[variable] ?? "") else {
            throw StoreError.unavailable("\(variable) is not a URL")
        }
        components.path = "/" + database
        return components.string ?? ""
    }

    /// A new, empty database on the server (`junction_t_<random>`).
    static func createDatabase() async throws -> PostgresURL {
        let server = try serverURL()
        let name = "junction_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await admin(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).collect()
        }
        return server.with(database: name)
    }

    /// Drops a database made by `createDatabase`, closing whatever is still connected to it.
    static func dropDatabase(_ name: String) async throws {
        precondition(name.hasPrefix("junction_t_"), "only drops test databases")
        try await admin(try serverURL()) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger).collect()
        }
    }

    /// Runs `body` with a client of the server's own database (the URL's TLS settings).
    static func admin<T: Sendable>(_ url: PostgresURL, _ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try url.clientConfiguration(), backgroundLogger: logger)
        let run = Task { await client.run() }
        do {
            let value = try await body(client)
            run.cancel()
            await run.value
            return value
        } catch {
            run.cancel()
            await run.value
            throw error
        }
    }
}
