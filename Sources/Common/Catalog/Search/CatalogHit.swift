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

    package init(callName: String, source: String, kind: String, title: String, description: String, method: String?, path: String?,
                 signature: String, matched: [String] = []) {
        self.callName = callName
        self.source = source
        self.kind = kind
        self.title = title
        self.description = description
        self.method = method
        self.path = path
        self.signature = signature
        self.matched = matched
    }
}
