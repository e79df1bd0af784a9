import Foundation
import JunctionCore

/// One stdio MCP server the operator allows users to run (an entry of the file named by
/// `JUNCTION_STDIO_SERVERS`). `{data}` in `args` and `env` values stands for the user's own
/// persistent folder for the source; `secrets` names values each user supplies, passed to
/// the process as environment variables of those names.
package struct StdioServerDeclaration: Sendable, Equatable, Codable {
    /// What users pick (`"server"` of a stdio source): letters, digits, `-`, `_`, `.`.
    package var name: String
    /// Absolute path of the program.
    package var command: String
    package var args: [String]
    package var env: [String: String]
    /// Environment variable names whose values each user supplies.
    package var secrets: [String]
    /// Whether the instance may use the network (default: none at all).
    package var network: Bool
    /// More folders the program needs to read (its installation is found by itself).
    package var readOnlyPaths: [String]

    package init(name: String, command: String, args: [String] = [], env: [String: String] = [:], secrets: [String] = [],
                 network: Bool = false, readOnlyPaths: [String] = []) {
        self.name = name
        self.command = command
        self.args = args
        self.env = env
        self.secrets = secrets
        self.network = network
        self.readOnlyPaths = readOnlyPaths
    }

    /// The placeholder for the user's data folder.
    package static let dataPlaceholder = "{data}"

    /// Parses one entry of the servers file, checking every field.
    package init(json: JSONValue) throws {
        func bad(_ text: String) -> JunctionError { JunctionError("invalid_configuration", "JUNCTION_STDIO_SERVERS: \(text)") }
        guard json.objectValue != nil else { throw bad("each entry of \"servers\" must be an object") }
        guard let name = json["name"]?.stringValue, Self.isName(name) else {
            throw bad("each server needs a \"name\" of 1-64 letters, digits, '-', '_' or '.'")
        }
        guard let command = json["command"]?.stringValue, command.hasPrefix("/") else {
            throw bad("server \(name) needs an absolute \"command\" path")
        }
        var args: [String] = []
        if let raw = json["args"] {
            guard let list = raw.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else { throw bad("args of \(name) must be strings") }
            args = list.compactMap(\.stringValue)
        }
        var env: [String: String] = [:]
        if let raw = json["env"] {
            guard let object = raw.objectValue else { throw bad("env of \(name) must be an object of strings") }
            for (key, value) in object {
                guard Self.isEnvName(key), let text = value.stringValue else { throw bad("env of \(name): \(key) must be a variable name with a string value") }
                env[key] = text
            }
        }
        var secrets: [String] = []
        if let raw = json["secrets"] {
            guard let list = raw.arrayValue, list.allSatisfy({ $0.stringValue.map(Self.isEnvName) == true }) else {
                throw bad("secrets of \(name) must be environment variable names")
            }
            secrets = list.compactMap(\.stringValue)
        }
        var readOnly: [String] = []
        if let raw = json["readOnlyPaths"] {
            guard let list = raw.arrayValue, list.allSatisfy({ $0.stringValue?.hasPrefix("/") == true }) else {
                throw bad("readOnlyPaths of \(name) must be absolute paths")
            }
            readOnly = list.compactMap(\.stringValue)
        }
        let network = json["network"]?.boolValue ?? false
        if let raw = json["network"], raw.boolValue == nil { throw bad("network of \(name) must be true or false") }
        self.init(name: name, command: command, args: args, env: env, secrets: secrets, network: network, readOnlyPaths: readOnly)
    }

    /// Whether `text` can name a server.
    package static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))
        } && text != "." && text != ".."
    }

    /// Whether `text` is a plain environment variable name.
    package static func isEnvName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first) else { return false }
        return text.count <= 128 && text.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_")
        }
    }

    /// `text` with every `{data}` replaced by `dataPath`.
    package static func expand(_ text: String, dataPath: String) -> String {
        text.replacingOccurrences(of: dataPlaceholder, with: dataPath)
    }
}
