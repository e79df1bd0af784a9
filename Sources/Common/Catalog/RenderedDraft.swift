/// What the catalog stores for a draft that does not depend on its call name: its schemas
/// as JSON text and its TypeScript, for search hits and for `describe()`. Made before the
/// catalog's write transaction, so the store's write lock is held only to write.
struct RenderedDraft: Sendable {
    var inputSchema: String
    var outputSchema: String?
    var details: String
    var signature: TypeScriptGenerator.Rendered
    var declaration: TypeScriptGenerator.Rendered

    init(_ draft: CatalogEntryDraft) {
        inputSchema = draft.inputSchema.jsonString()
        outputSchema = draft.outputSchema?.jsonString()
        details = draft.details.jsonString()
        let isOperation = draft.kind == .operation
        signature = TypeScriptGenerator.searchHit.render(input: draft.inputSchema, output: draft.outputSchema, isOperation: isOperation)
        declaration = TypeScriptGenerator().render(input: draft.inputSchema, output: draft.outputSchema, isOperation: isOperation)
    }
}
