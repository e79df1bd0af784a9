import Crypto
import _CryptoExtras
import Foundation
import JunctionCore
import Secrets
import Synchronization

/// Slow password hashing for built-in accounts: PBKDF2-HMAC-SHA256, 600,000 rounds
/// (OWASP 2023), 16-byte random salt, stored as `pbkdf2-sha256$<rounds>$<salt>$<hash>`.
/// The derivation runs on a dispatch queue, never on Swift's cooperative pool, at most one
/// per core at a time; beyond `maxAdmitted` running or waiting, a request is refused at
/// once (503) instead of queueing without bound: whatever gets past the per-address and
/// per-account throttles still cannot pile up work.
enum PasswordHasher {
    static let defaultRounds = 600_000
    /// Derivations admitted at once (running or waiting for a core).
    static let maxAdmitted = 32
    private static let queue = DispatchQueue(label: "junction.password-hash", attributes: .concurrent)
    private static let cores = AsyncSemaphore(permits: max(1, ProcessInfo.processInfo.activeProcessorCount))
    private static let admitted = Mutex(0)

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
        try await derive { Result { try hashBlocking(password) } }.get()
    }

    static func verify(_ password: String, against stored: String) async throws -> Bool {
        try await derive { verifyBlocking(password, against: stored) }
    }

    /// Runs one derivation off the cooperative pool, bounded as the type describes.
    private static func derive<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        let admittedNow = admitted.withLock { count -> Bool in
            guard count < maxAdmitted else { return false }
            count += 1
            return true
        }
        guard admittedNow else {
            throw JunctionError("sign_in_busy", "Junction is busy checking other sign-ins; try again in a few seconds.", status: 503)
        }
        defer { admitted.withLock { $0 -= 1 } }
        await cores.acquire()
        defer { cores.release() }
        return await withCheckedContinuation { cont in queue.async { cont.resume(returning: work()) } }
    }

    /// A fixed hash to verify against when the account does not exist, so a wrong email
    /// costs as long as a wrong password (no account enumeration by timing).
    static let decoy: String = (try? hashBlocking("decoy-password", salt: Array(repeating: 7, count: 16))) ?? ""
}
