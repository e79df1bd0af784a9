import Foundation
import Store

/// Who may sign in. A person may sign in when they are on the allowlist
/// (`JUNCTION_ALLOWED_EMAILS`/`JUNCTION_ALLOWED_DOMAINS` or the admin-managed table), or
/// when they already have an enabled account and no allowlist is configured at all; admins
/// may always sign in (no lock-out). Accounts are created on first OIDC sign-in only for
/// allowlisted people; with an empty allowlist only existing users and the first-run
/// admin (`/setup`) get in.
struct SignInPolicy: Sendable {
    let database: any JunctionStore
    let config: AuthConfiguration

    /// Decides whether this person may sign in now. `existing` is their account, if any.
    /// The allowlist table is read once.
    func maySignIn(email rawEmail: String, existing: User?) async throws -> Bool {
        if let existing {
            if existing.disabled { return false }
            if existing.isAdmin { return true }
        }
        let email = rawEmail.lowercased()
        let domain = email.split(separator: "@").last.map(String.init) ?? ""
        if config.allowedEmails.contains(email) || config.allowedDomains.contains(domain) { return true }
        let entries = try await database.listAllowlist()
        let listed = entries.contains { ($0.kind == "email" && $0.value == email) || ($0.kind == "domain" && $0.value == domain) }
        // An existing account needs the allowlist only when one is configured at all.
        let hasAllowlist = !config.allowedEmails.isEmpty || !config.allowedDomains.isEmpty || !entries.isEmpty
        return listed || (existing != nil && !hasAllowlist)
    }
}
