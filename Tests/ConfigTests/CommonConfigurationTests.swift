import Config
import Configuration
import Foundation
import JunctionCore
import JunctionTracing
import Redis
import Secrets
import TestSupport
import Upstream
import XCTest

/// `CommonConfiguration` and the reader it is built from: defaults, parsing, errors that
/// name the variable, and secrets that never show.
final class CommonConfigurationTests: XCTestCase {
    static let key = Data(repeating: 7, count: 32).base64EncodedString()
    static let oldKey = Data(repeating: 9, count: 32).base64EncodedString()

    private func common(_ environment: [String: String]) throws -> CommonConfiguration {
        try CommonConfiguration(reader: ConfigReader(environment: environment, keys: CommonConfiguration.keys))
    }

    /// The error a configuration stops with, which must be a `ConfigurationError`.
    private func failure(_ environment: [String: String], file: StaticString = #filePath, line: UInt = #line) -> ConfigurationError? {
        do {
            _ = try common(environment)
            XCTFail("\(environment) was accepted", file: file, line: line)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            XCTFail("\(error) is not a ConfigurationError", file: file, line: line)
            return nil
        }
    }

    func testDefaults() throws {
        let config = try common(["JUNCTION_MASTER_KEY": Self.key])
        XCTAssertEqual("\(config.redisURL)", "\(try RedisURL("redis://127.0.0.1:6379"))")
        XCTAssertEqual(config.dataDirectory, "./.data")
        XCTAssertEqual(config.databasePath, "./.data/junction.sqlite")
        XCTAssertEqual(config.keyring.activeKeyID, "k1")
        XCTAssertFalse(config.outboundPolicy.allowLoopbackHTTP)
        XCTAssertEqual(config.visibilityTimeout, .milliseconds(30_000))
        XCTAssertEqual(config.logLevel, "info")
    }

    func testValuesAreParsed() throws {
        let file = TestEnvironment.temporaryDirectory().appendingPathComponent("master.key")
        try "  \(Self.key)\n".write(to: file, atomically: true, encoding: .utf8)
        let config = try common([
            "JUNCTION_MASTER_KEY_FILE": file.path, "JUNCTION_MASTER_KEY_ID": "k2", "JUNCTION_OLD_MASTER_KEYS": "k1:\(Self.oldKey)",
            "REDIS_URL": "unix:///tmp/redis.sock", "JUNCTION_DATA_DIR": "/var/lib/junction",
            "JUNCTION_ALLOW_LOOPBACK_HTTP": "YES", "JUNCTION_VISIBILITY_TIMEOUT_MS": "5000", "JUNCTION_LOG_LEVEL": "debug",
        ])
        XCTAssertEqual("\(config.redisURL)", "\(try RedisURL("unix:///tmp/redis.sock"))")
        XCTAssertEqual(config.databasePath, "/var/lib/junction/junction.sqlite")
        XCTAssertEqual(config.keyring.activeKeyID, "k2")
        XCTAssertEqual("\(config.keyring)", "Keyring(active: k2, ids: k1, k2)")
        XCTAssertTrue(config.outboundPolicy.allowLoopbackHTTP)
        XCTAssertEqual(config.visibilityTimeout, .milliseconds(5000))
        XCTAssertEqual(config.logLevel, "debug")
        XCTAssertEqual(try common(["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_DATABASE_PATH": "/db/j.sqlite"]).databasePath, "/db/j.sqlite")
        XCTAssertFalse(try common(["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_ALLOW_LOOPBACK_HTTP": "no"]).outboundPolicy.allowLoopbackHTTP)
    }

    func testAnEmptyVariableCountsAsUnset() throws {
        let config = try common(["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_VISIBILITY_TIMEOUT_MS": "", "JUNCTION_DATA_DIR": ""])
        XCTAssertEqual(config.visibilityTimeout, .milliseconds(30_000))
        XCTAssertEqual(config.dataDirectory, "./.data")
    }

    func testBadValuesStopStartUpNamingTheVariable() throws {
        let key = Self.key
        let cases: [([String: String], String)] = [
            ([:], "JUNCTION_MASTER_KEY"),
            (["JUNCTION_MASTER_KEY": "c2hvcnQ="], "JUNCTION_MASTER_KEY"),
            (["JUNCTION_MASTER_KEY_FILE": "/nonexistent/master.key"], "JUNCTION_MASTER_KEY_FILE"),
            (["JUNCTION_MASTER_KEY": key, "JUNCTION_OLD_MASTER_KEYS": "no-colon"], "JUNCTION_OLD_MASTER_KEYS"),
            (["JUNCTION_MASTER_KEY": key, "JUNCTION_OLD_MASTER_KEYS": "k0:bad"], "JUNCTION_OLD_MASTER_KEYS"),
            (["JUNCTION_MASTER_KEY": key, "JUNCTION_VISIBILITY_TIMEOUT_MS": "soon"], "JUNCTION_VISIBILITY_TIMEOUT_MS"),
            (["JUNCTION_MASTER_KEY": key, "JUNCTION_VISIBILITY_TIMEOUT_MS": "-1"], "JUNCTION_VISIBILITY_TIMEOUT_MS"),
        ]
        for (environment, variable) in cases {
            let error = failure(environment)
            XCTAssertEqual(error?.variable, variable, "\(environment)")
            XCTAssertEqual(error?.code, "invalid_configuration")
            XCTAssertTrue("\(error.map { "\($0)" } ?? "")".contains(variable), "\(String(describing: error))")
        }
        XCTAssertEqual(failure(["JUNCTION_MASTER_KEY": key, "JUNCTION_VISIBILITY_TIMEOUT_MS": "soon"])?.message,
                       "JUNCTION_VISIBILITY_TIMEOUT_MS must be a non-negative integer, got 'soon'")
        XCTAssertThrowsError(try common(["JUNCTION_MASTER_KEY": key, "REDIS_URL": "http://x"])) {
            XCTAssertTrue("\($0)".contains("REDIS_URL"), "\($0)")
        }
    }

    func testTracingIsOnOnlyWithAnOTLPEndpointAndNotSwitchedOff() throws {
        let key = Self.key
        let endpoint = "http://127.0.0.1:4318"
        let cases: [([String: String], Bool)] = [
            ([:], false),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint], true),
            (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint + "/v1/traces"], true),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_SDK_DISABLED": "true"], false),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_TRACES_EXPORTER": "none"], false),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": ""], false),
        ]
        for (environment, on) in cases {
            let config = try common(environment.merging(["JUNCTION_MASTER_KEY": key]) { $1 })
            XCTAssertEqual(config.tracingEnabled, on, "\(environment)")
            XCTAssertEqual(config.telemetry(process: "worker").tracing, on)
        }
        XCTAssertEqual(try common(["JUNCTION_MASTER_KEY": key]).telemetry(process: "worker").serviceName, "junction-worker")
        XCTAssertEqual(try common(["JUNCTION_MASTER_KEY": key, "OTEL_SERVICE_NAME": "edge"]).telemetry(process: "worker").serviceName, "edge")
    }

    func testTheLogFormatIsTextOrJSONAndAnythingElseStopsStartUp() throws {
        XCTAssertEqual(try common(["JUNCTION_MASTER_KEY": Self.key]).logFormat, .text)
        XCTAssertEqual(try common(["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_LOG_FORMAT": "JSON"]).logFormat, .json)
        let error = failure(["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_LOG_FORMAT": "xml"])
        XCTAssertEqual(error?.variable, "JUNCTION_LOG_FORMAT")
        XCTAssertEqual(error?.message, "JUNCTION_LOG_FORMAT must be text or json, got 'xml'")
    }

    func testSecretsNeverShowInDescriptionsOrAccessReports() throws {
        let recorder = ConfigAccessRecorder()
        let environment = ["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_OLD_MASTER_KEYS": "k0:\(Self.oldKey)"]
        let config = try CommonConfiguration(reader: ConfigReader(environment: environment, keys: CommonConfiguration.keys,
                                                                  accessReporter: recorder))
        for text in ["\(config)", String(reflecting: config)] {
            XCTAssertFalse(text.contains(Self.key) || text.contains(Self.oldKey), text)
            XCTAssertTrue(text.contains("Keyring(active: k1, ids: k0, k1)"), text)
        }
        let secretEvents = recorder.events.filter { ["junction.masterKey", "junction.oldMasterKeys"].contains($0.metadata.key.components.joined(separator: ".")) }
        XCTAssertEqual(secretEvents.count, 2)
        for event in secretEvents {
            XCTAssertEqual(try event.result.get()?.isSecret, true)
            XCTAssertFalse("\(event)".contains(Self.key) || "\(event)".contains(Self.oldKey), "\(event)")
        }
        let provider = EnvironmentVariablesProvider(environmentVariables: environment,
                                                    secretsSpecifier: .specific(Set(CommonConfiguration.keys.filter(\.isSecret).map(\.variable))))
        XCTAssertFalse(provider.debugDescription.contains(Self.key), provider.debugDescription)
    }

    func testRedisCredentialsAndTLSAreReadAndThePasswordNeverShows() throws {
        let ca = TestEnvironment.temporaryDirectory().appendingPathComponent("ca.pem")
        try "not checked here".write(to: ca, atomically: true, encoding: .utf8)
        let password = "Redis-Pa55word"
        let environment = ["JUNCTION_MASTER_KEY": Self.key, "REDIS_URL": "rediss://alice:\(password)@redis.internal:6390/4",
                           "JUNCTION_REDIS_TLS_CA": ca.path]
        let recorder = ConfigAccessRecorder()
        let config = try CommonConfiguration(reader: ConfigReader(environment: environment, keys: CommonConfiguration.keys,
                                                                  accessReporter: recorder))
        XCTAssertEqual(config.redisURL.user, "alice")
        XCTAssertEqual(config.redisURL.password, password)
        XCTAssertEqual(config.redisURL.database, 4)
        XCTAssertEqual(config.redisURL.tls?.caFile, ca.path)
        for text in ["\(config)", String(reflecting: config)] + recorder.events.map({ "\($0)" }) {
            XCTAssertFalse(text.contains(password), text)
        }
        XCTAssertTrue("\(config)".contains("rediss://alice:***@redis.internal:6390/4"), "\(config)")
        let urlEvent = recorder.events.first { $0.metadata.key.components.joined(separator: ".") == "redis.url" }
        XCTAssertEqual(try urlEvent?.result.get()?.isSecret, true)

        let key = Self.key
        let cases: [([String: String], String)] = [
            (["REDIS_URL": "redis://h", "JUNCTION_REDIS_TLS_CA": ca.path], "REDIS_URL"),
            (["REDIS_URL": "rediss://h", "JUNCTION_REDIS_TLS_CA": "/nonexistent/ca.pem"], "JUNCTION_REDIS_TLS_CA"),
            (["REDIS_URL": "rediss://h", "JUNCTION_REDIS_TLS_KEY": ca.path], "JUNCTION_REDIS_TLS_KEY"),
            (["REDIS_URL": "redis://alice@h"], "REDIS_URL"),
            (["REDIS_URL": "redis://:\(password)@h:70000"], "REDIS_URL"),
        ]
        for (extra, variable) in cases {
            let error = failure(extra.merging(["JUNCTION_MASTER_KEY": key]) { a, _ in a })
            XCTAssertEqual(error?.variable, variable, "\(extra)")
            XCTAssertFalse("\(String(describing: error))".contains(password), "\(String(describing: error))")
        }
    }

    func testTheDatabaseURLIsASecretThatSelectsPostgreSQL() throws {
        let unset = try common(["JUNCTION_MASTER_KEY": Self.key])
        XCTAssertNil(unset.databaseURL, "unset: the SQLite file")
        let url = "postgres://junction:hunter2@db.example:5432/junction?sslmode=verify-full"
        let recorder = ConfigAccessRecorder()
        let config = try CommonConfiguration(reader: ConfigReader(environment: ["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_DATABASE_URL": url],
                                                                  keys: CommonConfiguration.keys, accessReporter: recorder))
        XCTAssertEqual(config.databaseURL, url)
        for text in ["\(config)", String(reflecting: config)] {
            XCTAssertFalse(text.contains("hunter2"), text)
            XCTAssertTrue(text.contains("databaseURL: <redacted>"), text)
        }
        let events = recorder.events.filter { $0.metadata.key.components.joined(separator: ".") == "junction.databaseURL" }
        XCTAssertEqual(events.count, 1)
        for event in events {
            XCTAssertEqual(try event.result.get()?.isSecret, true)
            XCTAssertFalse("\(event)".contains("hunter2"), "\(event)")
        }
        let error = failure(["JUNCTION_MASTER_KEY": Self.key, "JUNCTION_DATABASE_URL": "mysql://root:hunter2@db/junction"])
        XCTAssertEqual(error?.variable, "JUNCTION_DATABASE_URL")
        XCTAssertFalse(error.map { "\($0)" }?.contains("hunter2") ?? true, "the refused value is not repeated")
    }

    func testDecimalAndSwitchReadsFollowTheDocumentedRules() throws {
        let key = ConfigurationKey("test.rate", variable: "TEST_RATE", default: .value("20"))
        XCTAssertEqual(try ConfigReader(environment: ["TEST_RATE": "2.5"]).double(key, default: 20), 2.5)
        for bad in ["fast", "-1", "nan", "inf"] {
            XCTAssertThrowsError(try ConfigReader(environment: ["TEST_RATE": bad]).double(key, default: 20), bad) {
                XCTAssertEqual(($0 as? ConfigurationError)?.variable, "TEST_RATE")
            }
        }
        for on in ["1", "true", "YES", "On"] { XCTAssertTrue(ConfigReader(environment: ["TEST_RATE": on]).bool(key), on) }
        for off in ["0", "false", "no", "off", "maybe"] { XCTAssertFalse(ConfigReader(environment: ["TEST_RATE": off]).bool(key, default: true), off) }
        XCTAssertTrue(ConfigReader(environment: [:]).bool(key, default: true))
        XCTAssertEqual(ConfigReader(environment: ["TEST_RATE": " A@x.Org, ,b@y.org "]).lowercasedList(key), ["a@x.org", "b@y.org"])
    }
}
