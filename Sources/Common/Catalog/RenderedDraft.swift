import JunctionCore

/// What the catalog stores for a draft that does not depend on its call name: its schemas
/// as JSON text and its TypeScript, for search hits and for `describe()`. Made before the
/// catalog's write transaction, so the store's write lock is held only to write.
package struct RenderedDraft: Sendable {
    package var inputSchema: String
    package var outputSchema: String?
    package var details: String
    package var signature: TypeScriptGenerator.Rendered
    package var declaration: TypeScriptGenerator.Rendered

    package init(_ draft: CatalogEntryDraft) {
        inputSchema = draft.inputSchema.jsonString()
        outputSchema = draft.outputSchema?.jsonString()
        details = draft.details.jsonString()
        let isOperation = draft.kind == .operation
        signature = TypeScriptGenerator.searchHit.render(input: draft.inputSchema, output: draft.outputSchema, isOperation: isOperation)
        declaration = TypeScriptGenerator().render(input: draft.inputSchema, output: draft.outputSchema, isOperation: isOperation)
    }
}
