extension JunctionError {
    /// The same code, message and status as `error` (a domain enum), for the places that
    /// carry errors as one concrete type (run results, error pages).
    package init(_ error: any CodedError) {
        if let plain = error as? JunctionError { self = plain; return }
        self.init(error.code, error.message, status: error.status)
    }
}
