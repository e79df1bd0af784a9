import Crypto
import _CryptoExtras
import Common
import Foundation

/// Slow password hashing for built-in accounts: PBKDF2-HMAC-SHA256, 600,000 rounds
/// (OWASP 2023), 16-byte random salt, stored as `pbkdf2-sha256$<rounds>$<salt>$<hash>`.
/// The derivation runs on a dispatch queue, never on Swift's cooperative pool.
enum PasswordHasher {
    static let defaultRounds = 600_000
    private static let queue = DispatchQueue(label: "junction.password-hash", attributes: .concurrent)

    /// Hashes a password (blocking; use `hash(_:)` from async code).
    static func hashBlocking(_ password: String, rounds: Int = defaultRounds, salt: [UInt8]? = nil) throws -> String {
        let salt = salt ?? (0..<16).map { _ in UInt8.random(in: 0...255) }
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                    outputByteCount: 32, unsafeUncheckedRounds: rounds)
        let derived = key.withUnsafeBytes { Data($0) }
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(derived.base64EncodedString())"
    }

    /// Whether `password` matches `stored` (blocking; constant-time comparison).
    static func verifyBlocking(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= 1, rounds <= 10_000_000,
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
              let key = try? KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                           outputByteCount: expected.count, unsafeUncheckedRounds: rounds)
        else { return false }
        return key.withUnsafeBytes { TokenHasher.constantTimeEquals($0, expected) }
    }

    static func hash(_ password: String) async throws -> String {
        try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try hashBlocking(password) }) }
        }
    }

    static func verify(_ password: String, against stored: String) async -> Bool {
        await withCheckedContinuation { cont in
            queue.async { cont.resume(returning: verifyBlocking(password, against: stored)) }
        }
    }

    /// A fixed hash to verify against when the account does not exist, so a wrong email
    /// costs as long as a wrong password (no account enumeration by timing).
    static let decoy: String = (try? hashBlocking("decoy-password", salt: Array(repeating: 7, count: 16))) ?? ""
}
