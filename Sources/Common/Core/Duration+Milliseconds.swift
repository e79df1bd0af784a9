extension Duration {
    /// Whole milliseconds.
    package var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
