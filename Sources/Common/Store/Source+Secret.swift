import Foundation
import JunctionCore
import Secrets

extension Source {
    /// The source's secret opened with `box`, as every store opens it, or nil when none is
    /// stored. The associated data (`SecretBinding.sealingContext`) makes a secret copied
    /// onto another owner's or source's row, or whose recorded origin was changed, fail to
    /// open; a secret bound to no origin is `source_needs_secret` (it is never sent).
    ///
    /// A secret sealed before origins were recorded is bound to owner and source only: it
    /// opens that way once, and `resealed` is the same secret sealed bound to the recorded
    /// origin, which the store writes back (only over that old sealed text).
    package func openSecret(box: SecretBox) throws -> (secret: String, resealed: String?)? {
        // A stdio source's secrets are opened by `openStdioSecrets`, never sent anywhere.
        guard type != .stdio else { return nil }
        guard let sealed = secretSealed else { return nil }
        guard let origin = secretBoundOrigin else { throw StoreError.sourceNeedsSecret(slug) }
        let context = SecretBinding.sealingContext(owner: owner, sourceID: id, origin: origin)
        if let secret = try? box.open(sealed, context: context) { return (secret, nil) }
        let secret = try box.open(sealed, context: SecretBox.sourceContext(owner: owner, sourceID: id))
        return (secret, try box.seal(secret, context: context))
    }
}

extension Source {
    /// A stdio source's secrets (empty when it has none), opened with `box`: they open only
    /// for this owner, source and server declaration.
    package func openStdioSecrets(box: SecretBox) throws -> [String: String] {
        guard type == .stdio, let sealed = secretSealed else { return [:] }
        let text = try box.open(sealed, context: SecretBinding.stdioSecretsContext(owner: owner, sourceID: id, server: stdioServer ?? ""))
        return (try JSONValue.parse(text).objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
