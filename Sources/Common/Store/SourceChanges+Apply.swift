import Foundation
import JunctionCore
import Secrets
import Upstream

extension SourceChanges {
    /// `source` with these changes applied, as every store writes it back, and whether the
    /// source's upstream OAuth grant must be deleted with the write.
    ///
    /// A new secret is sealed with `box`, bound to owner, source and origin like at
    /// registration (`SecretBinding`); a kept secret never moves to another origin
    /// (`SecretBinding.checkKept` throws instead, and the store writes nothing). A status
    /// change must be one `SourceStatus.canTransition` allows. An upstream grant was issued
    /// for one MCP server: it is dropped when an OAuth source moves to another URL or stops
    /// using OAuth, so it is never sent elsewhere. Pure: the store runs it inside the write
    /// transaction that read `source` and applies the result.
    package func apply(to source: Source, box: SecretBox, now: Date = Date()) throws -> (source: Source, dropsOAuthGrant: Bool) {
        var source = source
        let movesURL = baseUrl.map { $0 != source.baseUrl } ?? false
        let leavesOAuth = authType.map { $0 != .oauth } ?? false
        let dropsOAuthGrant = source.authType == .oauth && (movesURL || leavesOAuth)
        if let name { source.name = name }
        if let baseUrl { source.baseUrl = baseUrl }
        if let specUrl { source.specUrl = specUrl }
        if let enabled { source.enabled = enabled }
        if let authType { source.authType = authType }
        if let authHeaderName { source.authHeaderName = authHeaderName }
        if let stdioSecrets, source.type == .stdio {
            source.secretSealed = try stdioSecrets.isEmpty ? nil : box.seal(
                JSONValue.object(stdioSecrets.mapValues { .string($0) }).jsonString(),
                context: SecretBinding.stdioSecretsContext(owner: source.owner, sourceID: source.id, server: source.stdioServer ?? ""))
        } else if let secret {
            if let secret {
                let origin = try SecretBinding.origin(forNewSecretOf: source.slug, baseUrl: source.baseUrl, confirmed: confirmedOrigin)
                source.secretSealed = try box.seal(
                    secret, context: SecretBinding.sealingContext(owner: source.owner, sourceID: source.id, origin: origin))
                source.secretOrigin = origin.serialized
            } else {
                source.secretSealed = nil
                source.secretOrigin = nil
            }
        } else if source.secretSealed != nil {
            try SecretBinding.checkKept(slug: source.slug, bound: source.secretBoundOrigin, baseUrl: source.baseUrl, confirmed: confirmedOrigin)
        }
        if let status {
            guard source.status.canTransition(to: status) else { throw StoreError.illegalTransition(from: source.status, to: status) }
            source.status = status
        }
        source.updatedAt = now
        return (source, dropsOAuthGrant)
    }
}
