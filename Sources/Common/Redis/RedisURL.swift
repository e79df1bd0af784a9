import Foundation
import JunctionCore

/// Where Redis listens: `redis://host:port[/db]` or `unix:///path/to.sock[?db=N]`.
package enum RedisURL: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int, database: Int)
    case unix(path: String, database: Int)

    package init(_ text: String) throws {
        guard let comps = URLComponents(string: text), let scheme = comps.scheme?.lowercased() else {
            throw JunctionError("invalid_configuration", "REDIS_URL is not a URL: \(text)")
        }
        switch scheme {
        case "redis":
            let host = comps.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
            let db = Int(comps.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))) ?? 0
            self = .tcp(host: host, port: comps.port ?? 6379, database: db)
        case "unix":
            let db = comps.queryItems?.first(where: { $0.name == "db" })?.value.flatMap(Int.init) ?? 0
            guard !comps.path.isEmpty else { throw JunctionError("invalid_configuration", "REDIS_URL unix socket path is empty") }
            self = .unix(path: comps.path, database: db)
        default:
            throw JunctionError("invalid_configuration", "REDIS_URL scheme must be redis or unix, got \(scheme)")
        }
    }

    package var description: String {
        switch self {
        case .tcp(let h, let p, let db): "redis://\(h):\(p)/\(db)"
        case .unix(let path, let db): "unix://\(path)?db=\(db)"
        }
    }

    var database: Int {
        switch self { case .tcp(_, _, let db), .unix(_, let db): db }
    }
}
