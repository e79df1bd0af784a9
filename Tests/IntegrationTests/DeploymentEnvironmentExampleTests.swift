import Foundation
import TestSupport
import XCTest

/// `ops/deploy/junction.env.example` holds every setting of `ops/docs/CONFIGURATION.md`, so
/// that it stays complete as settings are added: each documented variable once, as
/// `VAR=value` (set by the example) or `#VAR=default` (left at its default), with `(secret)`
/// in the comment above it exactly when the reference says it is secret.
final class DeploymentEnvironmentExampleTests: XCTestCase {
    /// One setting line of the example: its variable, whether it is commented out, its value
    /// (unquoted) and the comment block right above it.
    struct Setting {
        var variable: String
        var commented: Bool
        var value: String
        var comment: String
    }

    static func example() throws -> [Setting] {
        let text = try String(contentsOf: TestEnvironment.repoRoot.appendingPathComponent("ops/deploy/junction.env.example"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^(#?)([A-Z][A-Z0-9_]*)=(.*)$"#)
        var settings: [Setting] = []
        // Settings on consecutive lines share the comment above the first of them.
        var comment: [String] = []
        var afterSetting = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let range = NSRange(line.startIndex..., in: line)
            if let match = pattern.firstMatch(in: line, range: range) {
                func group(_ i: Int) -> String { Range(match.range(at: i), in: line).map { String(line[$0]) } ?? "" }
                var value = group(3)
                if value.count >= 2, let first = value.first, first == value.last, first == "'" || first == "\"" {
                    value = String(value.dropFirst().dropLast())
                }
                settings.append(Setting(variable: group(2), commented: group(1) == "#", value: value, comment: comment.joined(separator: "\n")))
                afterSetting = true
            } else if line.hasPrefix("#") {
                if afterSetting { comment = [] }
                comment.append(line)
                afterSetting = false
            } else {
                comment = []
                afterSetting = false
            }
        }
        return settings
    }

    func testEveryDocumentedSettingIsInTheExampleOnceAndNothingElse() throws {
        let documented = try ConfigurationReferenceTests.reference()
        XCTAssertFalse(documented.isEmpty)
        let settings = try Self.example()
        let counts = Dictionary(grouping: settings, by: \.variable).mapValues(\.count)
        for row in documented {
            XCTAssertEqual(counts[row.variable], 1, "\(row.variable) (ops/docs/CONFIGURATION.md) must be in ops/deploy/junction.env.example exactly once")
        }
        let unknown = Set(settings.map(\.variable)).subtracting(documented.map(\.variable))
        XCTAssertEqual(unknown, [], "in ops/deploy/junction.env.example but not in ops/docs/CONFIGURATION.md")
    }

    func testSecretsAreMarkedAndOnlySecrets() throws {
        let secret = Dictionary(uniqueKeysWithValues: try ConfigurationReferenceTests.reference().map { ($0.variable, $0.secret == "yes") })
        for setting in try Self.example() {
            guard let isSecret = secret[setting.variable] else { continue }
            XCTAssertFalse(setting.comment.isEmpty, "\(setting.variable) has no comment above it")
            XCTAssertEqual(setting.comment.contains("(secret)"), isSecret,
                           "\(setting.variable): its comment must say (secret) exactly when CONFIGURATION.md marks it secret")
            if isSecret && setting.commented {
                XCTAssertEqual(setting.value, "", "\(setting.variable): a commented-out secret shows no value")
            }
        }
    }

    /// A commented-out line shows the default: the documented one when it is a plain literal,
    /// else nothing (the reference describes it in words).
    func testCommentedOutSettingsShowTheirDocumentedDefault() throws {
        let rows = Dictionary(uniqueKeysWithValues: try ConfigurationReferenceTests.reference().map { ($0.variable, $0) })
        let literal = try NSRegularExpression(pattern: "^`([^`$]*)`$")
        for setting in try Self.example() where setting.commented {
            guard let row = rows[setting.variable] else { continue }
            let cell = row.defaultValue
            let match = literal.firstMatch(in: cell, range: NSRange(cell.startIndex..., in: cell))
            let expected = match.flatMap { Range($0.range(at: 1), in: cell) }.map { String(cell[$0]) } ?? ""
            XCTAssertEqual(setting.value, expected, "#\(setting.variable)= should show its default (\(cell))")
        }
    }
}
