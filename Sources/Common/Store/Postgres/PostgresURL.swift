import Foundation
import JunctionCore
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL store lives: `postgres://user:password@host:port/database`
/// (`postgresql://` too), as `JUNCTION_DATABASE_URL` names it. User and password are
/// percent-decoded, so a password with `@`, `:` or `/` is written percent-encoded.
///
/// TLS follows libpq's `sslmode` query parameter:
/// - `disable`: never TLS;
/// - `prefer` (the default, as in libpq): TLS when the server offers it, certificate not checked;
/// - `require`: TLS or no connection, certificate not checked;
/// - `verify-ca`: TLS, the certificate must chain to a trusted root (host name not checked);
/// - `verify-full`: TLS, trusted chain and a certificate for the host name.
///
/// `sslrootcert=/path/ca.pem` names the roots to trust (default: the system's). Anything
/// between this process and another host should use `verify-full`.
package struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values Junction honours.
    package enum SSLMode: String, Sendable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    package var user: String
    package var password: String?
    package var host: String
    package var port: Int
    package var database: String
    package var sslMode: SSLMode
    /// PEM file of the certificate authorities to trust (`sslrootcert`).
    package var sslRootCert: String?

    /// Parses a URL; errors never repeat the text (it may hold the password).
    package init(_ text: String) throws {
        func invalid(_ why: String) -> JunctionError {
            JunctionError("invalid_configuration", "JUNCTION_DATABASE_URL \(why) (expected postgres://user:password@host:port/database)")
        }
        guard let comps = URLComponents(string: text.trimmingCharacters(in: .whitespaces)), let scheme = comps.scheme?.lowercased() else {
            throw invalid("is not a URL")
        }
        guard scheme == "postgres" || scheme == "postgresql" else { throw invalid("must start with postgres:// or postgresql://") }
        guard let user = comps.user, !user.isEmpty else { throw invalid("names no user") }
        var host = comps.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw invalid("names no host") }
        let path = comps.path.hasPrefix("/") ? String(comps.path.dropFirst()) : comps.path
        let database = path.removingPercentEncoding ?? path
        guard !database.contains("/") else { throw invalid("has a path that is not a database name") }
        self.user = user
        self.password = comps.password
        self.host = host
        self.port = comps.port ?? 5432
        // libpq's default: the database named like the user.
        self.database = database.isEmpty ? user : database
        self.sslMode = .prefer
        self.sslRootCert = nil
        for item in comps.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw invalid("has sslmode '\(item.value ?? "")'; use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                guard let path = item.value, !path.isEmpty else { throw invalid("has an empty sslrootcert") }
                sslRootCert = path
            default:
                throw invalid("has the unknown parameter '\(item.name)' (known: sslmode, sslrootcert)")
            }
        }
        if sslRootCert != nil, sslMode != .verifyCA, sslMode != .verifyFull {
            throw invalid("has sslrootcert but sslmode \(sslMode.rawValue): certificates are checked only with verify-ca or verify-full")
        }
    }

    /// Whether the connection checks who answers: only `verify-full` proves the server is
    /// the host named. Any other mode, to a host other than this machine's loopback, can be
    /// intercepted on the network (the opener warns).
    package var isExposedToInterception: Bool {
        guard sslMode != .verifyFull else { return false }
        // A dotted IPv4 address in 127.0.0.0/8, spelled out: "127.0.0.1.evil.example" is not one.
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        let loopbackV4 = octets.count == 4 && octets.allSatisfy { $0 != nil } && octets[0] == 127
        return !(loopbackV4 || host == "localhost" || host == "::1")
    }

    /// The same server with another database (tests create one database per test).
    package func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL with the password replaced by `***`: safe to log.
    package var description: String {
        var query: [String] = []
        if sslMode != .prefer { query.append("sslmode=\(sslMode.rawValue)") }
        if let sslRootCert { query.append("sslrootcert=\(sslRootCert)") }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let auth = password == nil ? user : "\(user):***"
        return "postgres://\(auth)@\(hostPart):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// The TLS configuration `sslmode` asks for; nil for `disable`.
    func tlsConfiguration() throws -> TLSConfiguration? {
        var config = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            config.certificateVerification = .none
        case .verifyCA:
            config.certificateVerification = .noHostnameVerification
        case .verifyFull:
            config.certificateVerification = .fullVerification
        }
        if let sslRootCert {
            guard FileManager.default.isReadableFile(atPath: sslRootCert) else {
                throw JunctionError("invalid_configuration", "JUNCTION_DATABASE_URL's sslrootcert \(sslRootCert) is not a readable file")
            }
            config.trustRoots = .file(sslRootCert)
        }
        return config
    }

    /// PostgresNIO's pool configuration for this URL. The host name is what verify-full
    /// checks the certificate against (PostgresNIO sends it as SNI unless it is an IP).
    package func clientConfiguration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch (sslMode, try tlsConfiguration()) {
        case (_, nil): .disable
        case (.prefer, let config?): .prefer(config)
        case (_, let config?): .require(config)
        }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// PostgresNIO's configuration of a single connection (the one that migrates at start-up).
    package func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch (sslMode, try tlsConfiguration()) {
        case (_, nil): .disable
        case (.prefer, let config?): .prefer(try NIOSSLContext(configuration: config))
        case (_, let config?): .require(try NIOSSLContext(configuration: config))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}
