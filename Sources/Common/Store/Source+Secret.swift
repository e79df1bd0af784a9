import Foundation
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
        guard let sealed = secretSealed else { return nil }
        guard let origin = secretBoundOrigin else { throw StoreError.sourceNeedsSecret(slug) }
        let context = SecretBinding.sealingContext(owner: owner, sourceID: id, origin: origin)
        if let secret = try? box.open(sealed, context: context) { return (secret, nil) }
        let secret = try box.open(sealed, context: SecretBox.sourceContext(owner: owner, sourceID: id))
        return (secret, try box.seal(secret, context: context))
    }
}
