import Foundation
import TestSupport

/// A throwaway CA and certificates it signs, made with the `openssl` command (Debian's
/// `openssl`, installed by ops/test) in a temporary folder.
struct TestCertificates {
    let directory: URL
    var caFile: String { directory.appendingPathComponent("ca.crt").path }

    /// A new CA.
    init() throws {
        directory = TestEnvironment.temporaryDirectory()
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Junction Test CA"], in: directory)
    }

    /// A certificate `name.crt` with key `name.key`, signed by this CA, for `subjectAltName`
    /// (e.g. `DNS:localhost` or `IP:127.0.0.1`); returns the two paths.
    func issue(_ name: String, subjectAltName: String, clientAuth: Bool = false) throws -> (cert: String, key: String) {
        let ext = directory.appendingPathComponent("\(name).ext")
        try "subjectAltName=\(subjectAltName)\nextendedKeyUsage=\(clientAuth ? "clientAuth" : "serverAuth")\n"
            .write(to: ext, atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"], in: directory)
        try Self.openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                          "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext"], in: directory)
        return (directory.appendingPathComponent("\(name).crt").path, directory.appendingPathComponent("\(name).key").path)
    }

    private static func openssl(_ arguments: [String], in directory: URL) throws {
        let path = try TestEnvironment.executable(env: "JUNCTION_TEST_OPENSSL", names: ["openssl"], extra: ["/usr/bin"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError(message: "openssl \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
