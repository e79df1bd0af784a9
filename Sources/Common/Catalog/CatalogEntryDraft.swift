import JunctionCore
/// A callable found by indexing a source, before it has a stable call name.
package struct CatalogEntryDraft: Sendable, Equatable {
    package var operationKey: String
    /// The name to derive the call name from (operationId, tool name, or method + path).
    package var nameHint: String
    package var kind: CatalogEntryKind
    package var title: String
    package var description: String
    package var tags: [String]
    package var method: String?
    package var path: String?
    package var deprecated: Bool
    package var inputSchema: JSONValue
    package var outputSchema: JSONValue?
    package var details: JSONValue
    package var parameterNames: [String]
    /// Extra documentation lines for the declaration (e.g. MCP tool annotations).
    package var hints: [String] = []

    package init(operationKey: String, nameHint: String, kind: CatalogEntryKind, title: String, description: String,
                 tags: [String] = [], method: String? = nil, path: String? = nil, deprecated: Bool = false,
                 inputSchema: JSONValue, outputSchema: JSONValue? = nil, details: JSONValue = .object([:]),
                 parameterNames: [String] = []) {
        self.operationKey = operationKey
        self.nameHint = nameHint
        self.kind = kind
        self.title = title
        self.description = description
        self.tags = tags
        self.method = method
        self.path = path
        self.deprecated = deprecated
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.details = details
        self.parameterNames = parameterNames
    }
}
