import JunctionCore
/// How much one source's catalog may cost to build. Indexing multiplies: a `$ref` used by
/// many operations is inlined into each of them, a schema that references another one 60
/// times, six levels deep, would inline to 60⁴ nodes per body. These limits turn such a
/// document into a clear error within seconds, while every real API indexes well within
/// them (kubernetes, 1,002 operations: about 3 % of `maxNodes`).
package struct IndexLimits: Sendable, Equatable {
    /// The most nodes the catalog of one source may hold: every operation's inlined input
    /// and output schemas, its parameter details and security requirements, and the parsed
    /// YAML document (after alias expansion). A string counts one node per
    /// `bytesPerNode` bytes, so a huge string copied into many operations is counted too.
    package var maxNodes: Int
    /// The most operations (or tools) one source may have.
    package var maxOperations: Int

    /// Bytes of a string that count as one node.
    package static let bytesPerNode = 64

    /// `JUNCTION_INDEX_MAX_NODES` / `JUNCTION_INDEX_MAX_OPERATIONS` defaults.
    package static let standard = IndexLimits(maxNodes: 5_000_000, maxOperations: 50_000)

    package init(maxNodes: Int, maxOperations: Int) {
        self.maxNodes = max(1, maxNodes)
        self.maxOperations = max(1, maxOperations)
    }

    /// The error for a source with more than `maxOperations` operations.
    package func tooManyOperations(_ count: Int, what: String = "operations") -> CatalogError {
        CatalogError.specTooLarge("the source has \(count) \(what), more than the \(maxOperations) one source may have "
                      + "(JUNCTION_INDEX_MAX_OPERATIONS); split it into several sources or raise the limit")
    }
}
