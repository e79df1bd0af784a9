import Foundation
import JunctionCore
import Upstream

/// Which origin a source's secret is bound to. A secret goes only to the origin the user
/// entered it for: the origin of the source's `baseUrl`, or — for an OpenAPI source that
/// takes its servers from the spec — the origin the user confirmed with `auth.origin`.
/// Moving a source to another origin never carries the stored secret along: the edit is
/// refused until the secret is entered again with it.
package enum SecretBinding {
    /// The origin a newly entered secret of `slug` is bound to, given the source's
    /// `baseUrl` after the change and the origin the user confirmed, if any.
    package static func origin(forNewSecretOf slug: String, baseUrl: String?, confirmed: Origin?) throws -> Origin {
        let base = try baseUrl.map(baseOrigin)
        switch (base, confirmed) {
        case let (base?, confirmed?) where base != confirmed:
            throw JunctionError("secret_origin_conflict",
                                "auth.origin \(confirmed) differs from the origin of baseUrl (\(base)), where every call of \(slug) goes; "
                                + "leave auth.origin out or make it match", status: 400)
        case let (base?, _):
            return base
        case let (nil, confirmed?):
            return confirmed
        case (nil, nil):
            throw JunctionError("secret_origin_required",
                                "a secret is sent only to the origin it was entered for, and \(slug) has no baseUrl: set baseUrl to the "
                                + "API's URL, or name the origin of the spec's servers in auth.origin (e.g. https://api.example.com)",
                                status: 400)
        }
    }

    /// Throws unless an edit keeps the stored secret of `slug` (bound to `bound`) where it
    /// was: a `baseUrl` on another origin, or a confirmed origin elsewhere, needs the
    /// secret entered again in the same request.
    package static func checkKept(slug: String, bound: Origin?, baseUrl: String?, confirmed: Origin?) throws {
        let base = try baseUrl.map(baseOrigin)
        guard let bound else {
            if base != nil || confirmed != nil {
                throw JunctionError("secret_required",
                                    "the stored secret of \(slug) is bound to no origin (it was stored before Junction recorded one); "
                                    + "send auth.secret again in this request so it is bound to \((confirmed ?? base)!)", status: 409)
            }
            return
        }
        for moved in [base, confirmed].compactMap({ $0 }) where moved != bound {
            throw JunctionError("secret_origin_changed",
                                "this change moves \(slug) to \(moved), but its secret was entered for \(bound) and is never sent "
                                + "anywhere else: send auth.secret again in the same request (it will be bound to \(moved)), or "
                                + "set auth.type to none", status: 409)
        }
    }

    private static func baseOrigin(_ text: String) throws -> Origin {
        guard let origin = Origin(string: text) else { throw JunctionError.badRequest("baseUrl must be an http(s) URL") }
        return origin
    }
}
