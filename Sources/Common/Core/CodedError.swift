/// An error that crosses a boundary: a stable machine-readable `code`, a `message` safe to
/// show to the caller, and the HTTP `status` it maps to at the API edge.
///
/// Each domain (store, catalog, upstream, queue, runs) declares its own error enum conforming
/// to this protocol; the frontend maps any `CodedError` to its JSON error body in one place.
/// An error that is not a `CodedError` is a 500 whose details go only to the log.
package protocol CodedError: Error, Sendable {
    /// Stable identifier clients may branch on (`source_not_found`, `queue_unavailable`, …).
    var code: String { get }
    /// Human-readable explanation, free of secrets and internal detail.
    var message: String { get }
    /// HTTP status at the API edge (4xx for the caller's fault, 5xx otherwise).
    var status: Int { get }
}

extension JunctionError: CodedError {}
