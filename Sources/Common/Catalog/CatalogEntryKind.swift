/// What kind of callable a catalog entry is.
package enum CatalogEntryKind: String, Sendable, Codable {
    case operation
    case tool
}
