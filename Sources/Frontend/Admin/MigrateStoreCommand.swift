import ArgumentParser
import Config
import Configuration
import Foundation
import Logging
import Secrets
import Store

extension Admin {
    /// `junction-frontend admin migrate-store`: copies the SQLite store into an empty
    /// PostgreSQL database (`StoreCopier`), prints what it copied per table, and reminds
    /// that the same master key must be configured afterwards. Never prints a secret.
    struct MigrateStore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate-store",
            abstract: "Copy the SQLite store into an empty PostgreSQL database, in one transaction.",
            discussion: """
                Stop every Junction process and back up the SQLite file first. Everything is copied \
                unchanged (password and token hashes, sealed secrets), so every process must keep the \
                same JUNCTION_MASTER_KEY (and JUNCTION_OLD_MASTER_KEYS) when it runs on PostgreSQL. A \
                target that already holds data is refused; on any failure nothing is copied.
                """)

        @Option(help: "The SQLite file (default: JUNCTION_DATABASE_PATH, else $JUNCTION_DATA_DIR/junction.sqlite).")
        var from: String?
        @Option(help: "The PostgreSQL URL, postgres://user:password@host:port/database (default: JUNCTION_DATABASE_URL).")
        var to: String?

        func run() async throws {
            let reader = ConfigReader(keys: CommonConfiguration.keys)
            let path = from ?? reader.string(.databasePath)
                ?? (reader.string(.dataDirectory, default: "./.data") as NSString).appendingPathComponent("junction.sqlite")
            guard let text = to ?? reader.string(.databaseURL) else {
                throw ValidationError("name the PostgreSQL database with --to or JUNCTION_DATABASE_URL")
            }
            let target = try PostgresURL(text)
            // Only to check that the copied secrets open; the copy itself needs no key.
            let keyring = try? Keyring(reader: reader)
            var logger = Logger(label: "junction.migrate-store")
            // What goes wrong is the error this command ends with; the driver's notices are noise here.
            logger.logLevel = .error

            print("copying \(path) into \(target) (one transaction)")
            let copier = StoreCopier(sqlitePath: path, target: target, keyring: keyring, logger: logger)
            let summary = try await copier.copy { table in
                print("  \(table.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(table.rows) row\(table.rows == 1 ? "" : "s")")
            }
            for (name, reason) in summary.skipped {
                print("  \(name.padding(toLength: 32, withPad: " ", startingAt: 0)) not copied: \(reason)")
            }
            print("copied \(summary.tables.reduce(0) { $0 + $1.rows }) rows in \(summary.tables.count) tables; counts match")
            switch summary.sealed {
            case nil:
                print("sealed secrets: not checked (JUNCTION_MASTER_KEY is not set here)")
            case let check? where check.opened == check.total:
                print("sealed secrets: \(check.total), all open with the configured master key")
            case let check?:
                print("sealed secrets: \(check.total - check.opened) of \(check.total) do NOT open with the configured master key "
                    + "(configure the key they were sealed with, in JUNCTION_MASTER_KEY or JUNCTION_OLD_MASTER_KEYS)")
            }
            print("""
                Next: set JUNCTION_DATABASE_URL for every frontend, worker and refresher, and keep the same \
                JUNCTION_MASTER_KEY (and JUNCTION_OLD_MASTER_KEYS): secrets and tokens were copied as they were \
                sealed and hashed. Keep the SQLite file as the backup.
                """)
        }
    }
}
