import Foundation
import Secrets
import Upstream

/// A source that is due for something, as the scheduler sees it (any owner).
package struct SourceRef: Sendable, Equatable {
    package var owner: String
    package var sourceID: String
}
