import JunctionCore
import Upstream

/// What the store refuses, with the codes, messages and statuses the API has always sent.
package enum StoreError: CodedError, CustomStringConvertible, Equatable {
    /// Setup was already done: an account exists.
    case setupDone
    /// Another account has this email.
    case emailTaken(String)
    /// Not an email address (as the caller typed it).
    case invalidEmail(String)
    /// The owner has a source with this slug already.
    case slugTaken(String)
    /// The source (by id) was deleted while something worked on it.
    case sourceGone(String)
    /// A source's status may not move this way (see `SourceStatus.allowedNext`).
    case illegalTransition(from: SourceStatus, to: SourceStatus)
    /// The stored secret of the source (slug) is bound to no origin, so it is never sent.
    case sourceNeedsSecret(String)
    /// `baseUrl` is not an http(s) URL.
    case invalidBaseURL
    /// A new secret's confirmed origin differs from baseUrl's.
    case secretOriginConflict(slug: String, confirmed: Origin, base: Origin)
    /// A new secret of a source without baseUrl names no origin.
    case secretOriginRequired(slug: String)
    /// An unbound stored secret must be entered again to move the source.
    case secretRequired(slug: String, origin: Origin)
    /// An edit would move a stored secret to another origin.
    case secretOriginChanged(slug: String, to: Origin, bound: Origin)
    /// The database cannot be opened or read (details for the log).
    case unavailable(String)

    package var code: String {
        switch self {
        case .setupDone, .emailTaken, .slugTaken: "conflict"
        case .invalidEmail, .invalidBaseURL: "bad_request"
        case .sourceGone: "not_found"
        case .illegalTransition: "illegal_status_transition"
        case .sourceNeedsSecret: "source_needs_secret"
        case .secretOriginConflict: "secret_origin_conflict"
        case .secretOriginRequired: "secret_origin_required"
        case .secretRequired: "secret_required"
        case .secretOriginChanged: "secret_origin_changed"
        case .unavailable: "store_unavailable"
        }
    }

    package var status: Int {
        switch self {
        case .setupDone, .emailTaken, .slugTaken, .illegalTransition, .sourceNeedsSecret, .secretRequired, .secretOriginChanged: 409
        case .invalidEmail, .invalidBaseURL, .secretOriginConflict, .secretOriginRequired: 400
        case .sourceGone: 404
        case .unavailable: 500
        }
    }

    package var message: String {
        switch self {
        case .setupDone: "setup is already done: an account exists"
        case .emailTaken(let email): "a user with email \(email) exists"
        case .invalidEmail(let raw): "'\(raw)' is not an email address"
        case .slugTaken(let slug): "a source with slug '\(slug)' already exists"
        case .sourceGone(let id): "source \(id) no longer exists"
        case let .illegalTransition(from, to): "a source cannot go from \(from.rawValue) to \(to.rawValue)"
        case .sourceNeedsSecret(let slug):
            "the stored secret of \(slug) is bound to no origin (it was stored before Junction recorded one and the "
                + "source has no baseUrl), so it is never sent: enter it again with PATCH /api/v1/sources/\(slug) "
                + "{\"baseUrl\": …, \"auth\": {\"secret\": …}} or {\"auth\": {\"secret\": …, \"origin\": \"https://…\"}}"
        case .invalidBaseURL: "baseUrl must be an http(s) URL"
        case let .secretOriginConflict(slug, confirmed, base):
            "auth.origin \(confirmed) differs from the origin of baseUrl (\(base)), where every call of \(slug) goes; "
                + "leave auth.origin out or make it match"
        case .secretOriginRequired(let slug):
            "a secret is sent only to the origin it was entered for, and \(slug) has no baseUrl: set baseUrl to the "
                + "API's URL, or name the origin of the spec's servers in auth.origin (e.g. https://api.example.com)"
        case let .secretRequired(slug, origin):
            "the stored secret of \(slug) is bound to no origin (it was stored before Junction recorded one); "
                + "send auth.secret again in this request so it is bound to \(origin)"
        case let .secretOriginChanged(slug, moved, bound):
            "this change moves \(slug) to \(moved), but its secret was entered for \(bound) and is never sent "
                + "anywhere else: send auth.secret again in the same request (it will be bound to \(moved)), or "
                + "set auth.type to none"
        case .unavailable(let detail): detail
        }
    }

    package var description: String { "\(code): \(message)" }
}
