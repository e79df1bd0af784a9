import JunctionCore

/// What a built-in account's password must be, the same wherever one is set: `/setup`, the
/// admin API (`POST /api/v1/admin/users`) and `junction-frontend admin user`.
enum PasswordPolicy {
    /// The fewest characters a password may have.
    static let minimumLength = 10

    /// Why `password` is refused (a sentence for a person), or nil when it is acceptable.
    static func problem(with password: String) -> String? {
        if password.isEmpty { return "The password is empty." }
        if password.count < minimumLength {
            return "The password must have at least \(minimumLength) characters (this one has \(password.count))."
        }
        return nil
    }

    /// Throws `weak_password` (400) with the reason when `password` is refused.
    static func check(_ password: String) throws {
        if let problem = problem(with: password) { throw JunctionError.badRequest(problem, code: "weak_password") }
    }
}
