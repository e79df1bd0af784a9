import Config
import Configuration
import Foundation
@testable import Frontend
import Refresher
import TestSupport
import Worker
import XCTest

/// Every key a configuration type reads is in its `keys` and in `ops/docs/CONFIGURATION.md`,
/// and every key documented there is read: the keys read are recorded by swift-configuration's
/// access reporting while each component's configuration is built, not found by grepping.
final class ConfigurationReferenceTests: XCTestCase {
    /// One row of the reference's settings table.
    struct Row: Equatable {
        var variable, key, component, defaultValue, secret: String
    }

    static let masterKey = Data(repeating: 5, count: 32).base64EncodedString()
    /// What every component needs to start (the sandbox script so the test does not depend on bundles).
    static let minimal = ["JUNCTION_MASTER_KEY": masterKey, "JUNCTION_SANDBOX_HOST_SCRIPT": TestEnvironment.sandboxScript]

    /// The components, each with the keys it reads besides the common ones and how it is built.
    static let components: [(name: String, keys: [ConfigurationKey], build: @Sendable (ConfigReader) throws -> any CustomStringConvertible)] = [
        ("common", CommonConfiguration.keys, { try CommonConfiguration(reader: $0) }),
        ("frontend", FrontendConfiguration.keys, { try FrontendConfiguration(reader: $0) }),
        ("worker", WorkerConfiguration.keys, { try WorkerConfiguration(reader: $0, searchPath: nil) }),
        ("refresher", RefresherConfiguration.keys, { try RefresherConfiguration(reader: $0) }),
    ]

    static var allKeys: [ConfigurationKey] { components.flatMap(\.keys) }

    static func reference() throws -> [Row] {
        let text = try String(contentsOf: TestEnvironment.repoRoot.appendingPathComponent("ops/docs/CONFIGURATION.md"), encoding: .utf8)
        return text.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func unquoted(_ cell: String) -> String { cell.trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            return Row(variable: unquoted(cells[1]), key: unquoted(cells[2]), component: cells[3], defaultValue: cells[4], secret: cells[5])
        }
    }

    func testTheReferenceListsEveryKeyOfEveryConfigurationTypeAndNothingElse() throws {
        let rows = try Self.reference()
        XCTAssertEqual(Set(rows.map(\.variable)).count, rows.count, "a variable is listed twice")
        XCTAssertEqual(Set(Self.allKeys.map(\.variable)).count, Self.allKeys.count, "a key is in two types' lists")
        var expected: [Row] = []
        for component in Self.components {
            for key in component.keys {
                expected.append(Row(variable: key.variable, key: key.key, component: component.name,
                                    defaultValue: key.documentedDefault, secret: key.isSecret ? "yes" : "no"))
            }
        }
        let documented = Dictionary(uniqueKeysWithValues: rows.map { ($0.variable, $0) })
        for row in expected {
            XCTAssertEqual(documented[row.variable], row, "\(row.variable) in ops/docs/CONFIGURATION.md")
        }
        let undocumented = Set(expected.map(\.variable)).symmetricDifference(documented.keys)
        XCTAssertEqual(undocumented, [], "read but not documented, or documented but not read")
    }

    func testEachConfigurationReadsExactlyTheKeysItLists() throws {
        let common = Set(CommonConfiguration.keys.map(\.key))
        for component in Self.components {
            let recorder = ConfigAccessRecorder()
            _ = try component.build(ConfigReader(environment: Self.minimal, accessReporter: recorder))
            XCTAssertEqual(recorder.keys, common.union(component.keys.map(\.key)), component.name)
        }
    }

    func testEveryKeyIsReadFromTheVariableTheReferenceNames() {
        for key in Self.allKeys {
            let reader = ConfigReader(environment: [key.variable: "value-of-\(key.variable)"])
            XCTAssertEqual(reader.string(forKey: key.configKey), "value-of-\(key.variable)", "\(key.key) → \(key.variable)")
        }
    }

    func testSettingADocumentedDefaultChangesNothing() throws {
        for component in Self.components {
            let unset = "\(try component.build(ConfigReader(environment: Self.minimal)))"
            for key in CommonConfiguration.keys + component.keys {
                guard case .value(let value) = key.defaultValue else { continue }
                let set = "\(try component.build(ConfigReader(environment: Self.minimal.merging([key.variable: value]) { $1 })))"
                XCTAssertEqual(set, unset, "\(key.variable)=\(value) is not the default of \(component.name)")
            }
        }
    }

    func testSecretsAreReadAsSecretsAndNeverDescribed() throws {
        let secrets = Self.allKeys.filter(\.isSecret)
        XCTAssertEqual(Set(secrets.map(\.variable)),
                       ["JUNCTION_MASTER_KEY", "JUNCTION_OLD_MASTER_KEYS", "JUNCTION_OIDC_CLIENT_SECRET", "JUNCTION_DATABASE_URL"])
        let clientSecret = "oidc-client-secret-\(UUID().uuidString)"
        let oldKey = Data(repeating: 6, count: 32).base64EncodedString()
        let databasePassword = "db-password-\(UUID().uuidString)"
        let environment = Self.minimal.merging(["JUNCTION_OIDC_CLIENT_SECRET": clientSecret, "JUNCTION_OLD_MASTER_KEYS": "k0:\(oldKey)",
                                                "JUNCTION_OIDC_ISSUER": "https://id.example", "JUNCTION_OIDC_CLIENT_ID": "junction",
                                                "JUNCTION_DATABASE_URL": "postgres://junction:\(databasePassword)@db.example/junction"]) { $1 }
        let recorder = ConfigAccessRecorder()
        let config = try FrontendConfiguration(reader: ConfigReader(environment: environment, keys: CommonConfiguration.keys + FrontendConfiguration.keys,
                                                                    accessReporter: recorder))
        XCTAssertEqual(config.auth.oidcClientSecret, clientSecret)
        for text in ["\(config)", String(reflecting: config), "\(config.auth)"] {
            for secret in [clientSecret, Self.masterKey, oldKey, databasePassword] {
                XCTAssertFalse(text.contains(secret), text)
            }
        }
        XCTAssertTrue("\(config.auth)".contains("oidcClientSecret: <redacted>"), "\(config.auth)")
        XCTAssertTrue("\(config.auth)".contains("oidcClientID: junction"), "\(config.auth)")
        let secretKeys = Set(secrets.map(\.key))
        let events = recorder.events.filter { secretKeys.contains($0.metadata.key.components.joined(separator: ".")) }
        XCTAssertEqual(events.count, 4)
        for event in events {
            XCTAssertEqual(try event.result.get()?.isSecret, true, "\(event.metadata.key)")
            for secret in [clientSecret, Self.masterKey, oldKey, databasePassword] {
                XCTAssertFalse("\(event)".contains(secret), "\(event)")
            }
        }
    }
}
