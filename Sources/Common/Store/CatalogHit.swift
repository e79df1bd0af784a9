import Catalog
import Foundation
import JunctionCore

/// A search hit.
package struct CatalogHit: Sendable, Codable, Equatable {
    package var callName: String
    package var source: String
    package var kind: String
    package var title: String
    package var description: String
    package var method: String?
    package var path: String?
    package var signature: String
    /// Why the entry matched: each query word that did, and through what when not itself
    /// (`"files→file"`, `"group→team"`, `"list→GET on a collection"`).
    package var matched: [String] = []
}
