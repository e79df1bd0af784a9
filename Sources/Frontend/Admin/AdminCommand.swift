import ArgumentParser
import Config
import Configuration
import Foundation
import JunctionCore
import Logging
import Store

/// `junction-frontend admin …`: user and token administration from the shell.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Administer users and tokens.", subcommands: [Token.self, SetUser.self, ListUsers.self, MigrateStore.self])

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the user if needed and print a new API token for it (stdout: the token only).")

        @Option(help: "The user's email address.") var email: String
        @Option(help: "A name for the token.") var name: String = "cli"

        func run() async throws {
            let common = try CommonConfiguration(reader: ConfigReader(keys: CommonConfiguration.keys))
            // Warnings only (on stderr): stdout is the token.
            let logger = Logger.junction("admin", level: "warning")
            let database = try await StoreOpener.open(databaseURL: common.databaseURL, sqlitePath: common.databasePath, logger: logger)
            let user = try await database.userCreatingIfNeeded(email: email)
            let (token, _) = try await database.createAPIToken(owner: user.id, name: name)
            FileHandle.standardError.write(Data("created token '\(name)' for \(user.email)\(user.isAdmin ? " (admin)" : "")\n".utf8))
            if try await database.passwordHash(userId: user.id) == nil {
                // An account made here has no password, and /setup is closed once any account exists.
                FileHandle.standardError.write(Data("""
                    \(user.email) has no password; to sign in to the dashboard give it one: \
                    junction-frontend admin user --email \(user.email) --password-stdin (ops/run user … with ops/run)

                    """.utf8))
            }
            print(token)
        }
    }
}
