import JunctionCore
/// The work left for indexing one source, counted in nodes produced (see
/// `IndexLimits.maxNodes`). One budget is shared by everything that indexing one document
/// copies, so the total is bounded however the copies are arranged. Not shared across
/// tasks: each refresh makes its own.
final class IndexBudget {
    package let limits: IndexLimits
    /// Nodes charged so far.
    package private(set) var used = 0

    package init(limits: IndexLimits) { self.limits = limits }

    /// Charges `nodes`; throws `spec_too_large` naming the limit once the total passes it.
    package func charge(_ nodes: Int) throws {
        used &+= nodes
        if used > limits.maxNodes { throw exceeded() }
    }

    /// Charges one node plus the string's length.
    package func charge(string: String) throws {
        try charge(1 + string.utf8.count / IndexLimits.bytesPerNode)
    }

    /// Charges every node of `value` (strings and keys by length), stopping as soon as the
    /// budget is spent, so a huge value costs no more than the budget to look at.
    package func charge(_ value: JSONValue) throws {
        switch value {
        case .string(let s): try charge(string: s)
        case .array(let a):
            try charge(1)
            for v in a { try charge(v) }
        case .object(let o):
            try charge(1)
            for (k, v) in o {
                try charge(k.utf8.count / IndexLimits.bytesPerNode)
                try charge(v)
            }
        default: try charge(1)
        }
    }

    private func exceeded() -> CatalogError {
        CatalogError.specTooLarge("indexing stopped: with its $refs inlined into every operation the spec comes to more than "
                      + "\(limits.maxNodes) schema nodes (JUNCTION_INDEX_MAX_NODES): a schema that references others many times "
                      + "over several levels, or a large schema used by very many operations, does this")
    }
}
