import Foundation
import JunctionCore

/// Where Redis listens and how to sign in to it:
/// `redis://[[user]:password@]host[:port][/db]`, `rediss://…` (the same over TLS) or
/// `unix:///path/to.sock[?db=N]` (a password goes in the user part: `unix://:pw@/path`).
///
/// The user and password are percent-decoded (`%40` is `@`). The password is a secret:
/// `description`, `debugDescription` and the mirror never show it, and no error made while
/// parsing quotes the URL.
package struct RedisURL: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package enum Scheme: String, Sendable, Equatable {
        case redis, rediss, unix
    }

    package var scheme: Scheme
    /// Host name or IP address (without brackets); empty for `unix`.
    package var host: String
    package var port: Int
    /// The socket path, for `unix`.
    package var path: String
    /// The ACL user; nil signs in as `default` (`AUTH password`).
    package var user: String?
    package var password: String?
    package var database: Int
    /// How to check the server (and present ourselves) over TLS; nil unless `rediss`.
    package var tls: RedisTLSOptions?

    /// A plain TCP URL without credentials.
    package static func tcp(host: String, port: Int, database: Int = 0) -> RedisURL {
        RedisURL(scheme: .redis, host: host, port: port, path: "", user: nil, password: nil, database: database, tls: nil)
    }

    package init(scheme: Scheme, host: String, port: Int, path: String = "", user: String? = nil, password: String? = nil,
                 database: Int = 0, tls: RedisTLSOptions? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.user = user
        self.password = password
        self.database = database
        self.tls = scheme == .rediss ? (tls ?? RedisTLSOptions()) : nil
    }

    /// Parses `text`. `tls` applies to `rediss` URLs; giving it (a CA, a client
    /// certificate) with another scheme is an error, since TLS would silently not be used.
    /// Errors are `invalid_configuration` and never quote the URL (it may hold a password).
    package init(_ text: String, tls: RedisTLSOptions? = nil) throws {
        guard let comps = URLComponents(string: text), let rawScheme = comps.scheme?.lowercased() else {
            throw Self.invalid("is not a URL (a password with characters such as @ / # ? % must be percent-encoded)")
        }
        guard let scheme = Scheme(rawValue: rawScheme) else {
            throw Self.invalid("scheme must be redis, rediss or unix, got \(rawScheme.prefix(20))")
        }
        if tls != nil, tls != RedisTLSOptions(), scheme != .rediss {
            throw Self.invalid("is not rediss:// but TLS settings (JUNCTION_REDIS_TLS_*) are set; use rediss:// for TLS")
        }
        self.scheme = scheme
        self.tls = scheme == .rediss ? (tls ?? RedisTLSOptions()) : nil
        // Read from the text: Foundation's `user`/`password` quietly re-encode a `%` that starts no escape.
        func decoded(_ raw: String?, _ what: String) throws -> String? {
            guard let raw, !raw.isEmpty else { return nil }
            guard let text = raw.removingPercentEncoding else { throw Self.invalid("has a \(what) that is not valid percent-encoding") }
            return text
        }
        let (rawUser, rawPassword) = Self.userInfo(text)
        user = try decoded(rawUser, "user name")
        password = try decoded(rawPassword, "password")
        if user != nil, password == nil {
            throw Self.invalid("names a user but no password; write redis://user:password@host (or redis://:password@host for the default user)")
        }
        switch scheme {
        case .redis, .rediss:
            var host = comps.host ?? ""
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.host = host.isEmpty ? "127.0.0.1" : host
            if scheme == .rediss, comps.host?.isEmpty ?? true { throw Self.invalid("rediss:// needs a host name to check the certificate against") }
            self.port = comps.port ?? 6379
            guard (1...65535).contains(port) else { throw Self.invalid("port must be 1–65535") }
            self.path = ""
            let dbText = comps.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            let queryDB = comps.queryItems?.first(where: { $0.name == "db" })?.value
            database = try Self.database(dbText.isEmpty ? queryDB : dbText)
        case .unix:
            guard !comps.path.isEmpty else { throw Self.invalid("unix socket path is empty") }
            self.host = ""
            self.port = 0
            self.path = comps.path
            database = try Self.database(comps.queryItems?.first(where: { $0.name == "db" })?.value)
        }
    }

    /// The user and password as written (still percent-encoded), from the authority part.
    private static func userInfo(_ text: String) -> (String?, String?) {
        guard let start = text.range(of: "://")?.upperBound else { return (nil, nil) }
        let rest = text[start...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return (nil, nil) }
        let info = authority[..<at]
        guard let colon = info.firstIndex(of: ":") else { return (String(info), nil) }
        return (String(info[..<colon]), String(info[info.index(after: colon)...]))
    }

    private static func database(_ text: String?) throws -> Int {
        guard let text, !text.isEmpty else { return 0 }
        guard let db = Int(text), db >= 0, db <= 1_000_000 else { throw invalid("database must be a non-negative number, got '\(text.prefix(20))'") }
        return db
    }

    private static func invalid(_ problem: String) -> JunctionError {
        JunctionError("invalid_configuration", "REDIS_URL \(problem)")
    }

    /// The URL with the password shown as `***`.
    package var description: String {
        let auth = password == nil ? "" : "\(user.map(Self.encode) ?? ""):***@"
        switch scheme {
        case .unix: return "unix://\(auth)\(path)?db=\(database)"
        case .redis, .rediss:
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "\(scheme.rawValue)://\(auth)\(shownHost):\(port)/\(database)"
        }
    }

    package var debugDescription: String { description }

    package var customMirror: Mirror {
        Mirror(self, children: ["url": description], displayStyle: .struct)
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? text
    }
}
