import Foundation
import JunctionCore

/// The stdio servers the operator declared: `{"servers": [{"name", "command", "args",
/// "env"?, "secrets"?, "network"?, "readOnlyPaths"?}]}` in the file named by
/// `JUNCTION_STDIO_SERVERS`. Empty when that is unset: then no stdio source can be added.
package struct StdioServerList: Sendable, Equatable {
    package var servers: [StdioServerDeclaration]

    package init(servers: [StdioServerDeclaration] = []) {
        self.servers = servers
    }

    /// Reads and checks the file at `path` (nil: none declared).
    package static func load(path: String?) throws -> StdioServerList {
        guard let path, !path.isEmpty else { return StdioServerList() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JunctionError("invalid_configuration", "JUNCTION_STDIO_SERVERS: cannot read \(path)")
        }
        return try parse(data)
    }

    /// Parses the file's content.
    package static func parse(_ data: Data) throws -> StdioServerList {
        guard let json = try? JSONValue.parse(data), let list = json["servers"]?.arrayValue else {
            throw JunctionError("invalid_configuration", "JUNCTION_STDIO_SERVERS: expected {\"servers\": [...]}")
        }
        var servers: [StdioServerDeclaration] = []
        for entry in list {
            let server = try StdioServerDeclaration(json: entry)
            guard !servers.contains(where: { $0.name == server.name }) else {
                throw JunctionError("invalid_configuration", "JUNCTION_STDIO_SERVERS: server \(server.name) is declared twice")
            }
            servers.append(server)
        }
        return StdioServerList(servers: servers)
    }

    /// The declaration named `name`; `stdio_server_unknown` (400) when there is none.
    package func server(named name: String) throws -> StdioServerDeclaration {
        guard let server = servers.first(where: { $0.name == name }) else {
            let known = servers.map(\.name).joined(separator: ", ")
            throw JunctionError("stdio_server_unknown",
                                "no stdio server named \(name) is declared on this Junction\(known.isEmpty ? " (none are)" : "; declared: \(known)")",
                                status: 400)
        }
        return server
    }
}
