/// TLS settings for `rediss://`: the CA that signs the server's certificate (else the
/// system's trust store), and an optional client certificate and key for servers that
/// require one (`tls-auth-clients yes`). Paths to PEM files.
package struct RedisTLSOptions: Sendable, Equatable {
    package var caFile: String?
    package var certFile: String?
    package var keyFile: String?

    package init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}
