import ArgumentParser
import Config
import Configuration
import Foundation
import JunctionCore
import Logging
import Store

extension Admin {
    /// `junction-frontend admin user`: creates a built-in account, or changes the password or
    /// the admin flag of an existing one, so that an operator can make the first admin (or
    /// recover one) from a terminal. The password is checked by `PasswordPolicy` and stored
    /// only as its PBKDF2 hash; `--password-stdin` keeps it off the command line.
    struct SetUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "user",
            abstract: "Create a user, or set the password or admin flag of an existing one.",
            discussion: """
                A new user is an administrator with --admin, or when it is the first account; \
                an existing user keeps its admin flag unless --admin or --no-admin is given. \
                Prefer --password-stdin (e.g. `read -rs P && printf '%s' "$P" | … --password-stdin`): \
                a password given with --password is visible to other users of the machine while the \
                command runs.
                """)

        @Option(help: "The user's email address.") var email: String
        @Option(help: "The new password (prefer --password-stdin).") var password: String?
        @Flag(help: "Read the new password from standard input (one line; the final newline is dropped).") var passwordStdin = false
        @Flag(inversion: .prefixedNo, help: "Make the user an administrator, or (--no-admin) take that away.") var admin: Bool?

        func validate() throws {
            if password != nil && passwordStdin { throw ValidationError("give the password with --password or --password-stdin, not both") }
        }

        func run() async throws {
            let newPassword = try passwordStdin ? Self.readPasswordFromStandardInput() : password
            if let newPassword { try PasswordPolicy.check(newPassword) }
            let common = try CommonConfiguration(reader: ConfigReader(keys: CommonConfiguration.keys))
            let logger = Logger.junction("admin", level: "warning")
            let database = try await StoreOpener.open(databaseURL: common.databaseURL, sqlitePath: common.databasePath, logger: logger)
            var hash: String?
            if let newPassword { hash = try await PasswordHasher.hash(newPassword) }
            var changes: [String] = []
            var user: Store.User
            if let existing = try await database.user(email: email) {
                user = existing
                if let hash {
                    try await database.setPasswordHash(userId: user.id, hash: hash)
                    changes.append("password set")
                }
                if let admin, admin != user.isAdmin {
                    user = try await database.setUserAdmin(id: user.id, isAdmin: admin) ?? user
                    changes.append(admin ? "now an administrator" : "no longer an administrator")
                }
                if changes.isEmpty && hash == nil && admin == nil {
                    throw JunctionError("nothing_to_change", "\(user.email) exists; say what to change: --password-stdin, --password, --admin or --no-admin")
                }
            } else {
                let first = try await database.userCount() == 0
                let makeAdmin = admin ?? first
                user = try await database.createUser(email: email, isAdmin: makeAdmin, passwordHash: hash)
                changes.append("created" + (makeAdmin ? " as an administrator" : "") + (hash == nil ? " without a password" : " with a password"))
            }
            let passwordNote = try await database.passwordHash(userId: user.id) == nil
                ? " (no password: it can sign in only with single sign-on)" : ""
            let disabledNote = user.disabled ? " (the account is disabled)" : ""
            print("\(user.email): \(changes.isEmpty ? "unchanged" : changes.joined(separator: ", "))\(passwordNote)\(disabledNote)")
        }

        /// The password on standard input: everything up to the end, minus one final line break.
        static func readPasswordFromStandardInput() throws -> String {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard var text = String(data: data, encoding: .utf8) else {
                throw JunctionError.badRequest("The password on standard input is not UTF-8 text.", code: "weak_password")
            }
            if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
            if text.contains(where: \.isNewline) {
                throw JunctionError.badRequest("The password on standard input has more than one line.", code: "weak_password")
            }
            return text
        }
    }

    /// `junction-frontend admin users`: every account with its admin and disabled flags,
    /// whether it has a password and when it was created; never a hash or a token.
    struct ListUsers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "users", abstract: "List the users: email, admin, disabled, password set, created.")

        @Flag(help: "Print JSON (one object per user) instead of a table.") var json = false

        func run() async throws {
            let common = try CommonConfiguration(reader: ConfigReader(keys: CommonConfiguration.keys))
            let logger = Logger.junction("admin", level: "warning")
            let database = try await StoreOpener.open(databaseURL: common.databaseURL, sqlitePath: common.databasePath, logger: logger)
            let formatter = ISO8601DateFormatter()
            var rows: [(user: Store.User, hasPassword: Bool)] = []
            for user in try await database.listUsers() {
                rows.append((user, try await database.passwordHash(userId: user.id) != nil))
            }
            if json {
                let values: [JSONValue] = rows.map { row in
                    .object(["email": .string(row.user.email), "admin": .bool(row.user.isAdmin), "disabled": .bool(row.user.disabled),
                             "password": .bool(row.hasPassword), "created": .string(formatter.string(from: row.user.createdAt))])
                }
                print(JSONValue.array(values).jsonString())
                return
            }
            let width = max(5, rows.map(\.user.email.count).max() ?? 0)
            func line(_ cells: [String]) -> String {
                cells[0].padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + cells[1..<4].map { $0.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined(separator: " ") + " " + cells[4]
            }
            print(line(["EMAIL", "ADMIN", "DISABLED", "PASSWORD", "CREATED"]))
            for row in rows {
                print(line([row.user.email, row.user.isAdmin ? "yes" : "no", row.user.disabled ? "yes" : "no", row.hasPassword ? "yes" : "no",
                            formatter.string(from: row.user.createdAt)]))
            }
        }
    }
}
