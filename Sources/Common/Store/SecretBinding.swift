import Foundation
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
            throw StoreError.secretOriginConflict(slug: slug, confirmed: confirmed, base: base)
        case let (base?, _):
            return base
        case let (nil, confirmed?):
            return confirmed
        case (nil, nil):
            throw StoreError.secretOriginRequired(slug: slug)
        }
    }

    /// Throws unless an edit keeps the stored secret of `slug` (bound to `bound`) where it
    /// was: a `baseUrl` on another origin, or a confirmed origin elsewhere, needs the
    /// secret entered again in the same request.
    package static func checkKept(slug: String, bound: Origin?, baseUrl: String?, confirmed: Origin?) throws {
        let base = try baseUrl.map(baseOrigin)
        guard let bound else {
            if base != nil || confirmed != nil {
                throw StoreError.secretRequired(slug: slug, origin: (confirmed ?? base)!)
            }
            return
        }
        for moved in [base, confirmed].compactMap({ $0 }) where moved != bound {
            throw StoreError.secretOriginChanged(slug: slug, to: moved, bound: bound)
        }
    }

    /// The associated data binding a source secret to its owner, its source and the origin
    /// it may be sent to (every store seals and opens with it).
    package static func sealingContext(owner: String, sourceID: String, origin: Origin) -> Data {
        Data("junction/source-secret/v2|owner=\(owner)|source=\(sourceID)|origin=\(origin.serialized)".utf8)
    }

    /// The associated data binding a stdio source's secrets to its owner, its source and the
    /// server declaration they are given to.
    package static func stdioSecretsContext(owner: String, sourceID: String, server: String) -> Data {
        Data("junction/stdio-secrets/v1|owner=\(owner)|source=\(sourceID)|server=\(server)".utf8)
    }

    /// The associated data binding a source's upstream OAuth grant to its owner and source.
    package static func oauthGrantContext(owner: String, sourceID: String) -> Data {
        Data("junction/source-oauth/v1|owner=\(owner)|source=\(sourceID)".utf8)
    }

    private static func baseOrigin(_ text: String) throws -> Origin {
        guard let origin = Origin(string: text) else { throw StoreError.invalidBaseURL }
        return origin
    }
}
