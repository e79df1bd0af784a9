/// What indexing a spec produced: its operations and what a person should know about it.
package struct OpenAPIIndex: Sendable {
    package var drafts: [CatalogEntryDraft]
    /// Problems that did not stop indexing (external or dangling `$ref`s, skipped parameters).
    package var warnings: [String]
    /// The base URL the document declares (before any override on the source).
    package var baseURL: String?
    /// The nodes indexing charged to its budget (`IndexLimits.maxNodes`).
    package var nodes: Int

    package init(drafts: [CatalogEntryDraft], warnings: [String], baseURL: String?, nodes: Int = 0) {
        self.drafts = drafts
        self.warnings = warnings
        self.baseURL = baseURL
        self.nodes = nodes
    }
}
