import Foundation
import JunctionCore
import Secrets
import Upstream

extension SourceDraft {
    /// The source every store inserts to register this draft for `owner`: in `pending`,
    /// enabled, its secret sealed with `box`, bound to owner, the new source's id and the
    /// origin it may be sent to (see `SecretBinding`; throws when that origin is unknown or
    /// conflicts with `baseUrl`).
    package func newSource(owner: String, box: SecretBox, id: String = UUID().uuidString.lowercased(),
                           now: Date = Date()) throws -> Source {
        var sealed: String?
        var origin: Origin?
        if type == .stdio {
            let server = stdioServer ?? ""
            if !stdioSecrets.isEmpty {
                let json = JSONValue.object(stdioSecrets.mapValues { .string($0) }).jsonString()
                sealed = try box.seal(json, context: SecretBinding.stdioSecretsContext(owner: owner, sourceID: id, server: server))
            }
            return Source(id: id, owner: owner, slug: slug, type: type, name: name, baseUrl: nil, specUrl: nil, authType: .none,
                          authHeaderName: nil, secretSealed: sealed, enabled: true, status: .pending, entryCount: 0,
                          lastRefreshAt: nil, lastError: nil, createdAt: now, updatedAt: now, secretOrigin: nil, stdioServer: server)
        }
        if let secret {
            let bound = try SecretBinding.origin(forNewSecretOf: slug, baseUrl: baseUrl, confirmed: secretOrigin)
            sealed = try box.seal(secret, context: SecretBinding.sealingContext(owner: owner, sourceID: id, origin: bound))
            origin = bound
        }
        return Source(id: id, owner: owner, slug: slug, type: type, name: name,
                      baseUrl: baseUrl, specUrl: specUrl, authType: authType,
                      authHeaderName: authHeaderName, secretSealed: sealed, enabled: true,
                      status: .pending, entryCount: 0, lastRefreshAt: nil, lastError: nil,
                      createdAt: now, updatedAt: now, secretOrigin: origin?.serialized)
    }
}
