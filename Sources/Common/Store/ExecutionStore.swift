/// The log of `search` and `execute` runs, per owner.
package protocol ExecutionStore: Sendable {
    /// Records a finished run.
    func insertExecution(_ log: ExecutionLog) async throws
    /// The owner's runs, newest first. `after` is the id of the last run of the previous
    /// page (a keyset cursor: stable while new runs arrive).
    func executions(owner: String, limit: Int, after cursor: String?) async throws -> [ExecutionLog]
    /// One of the owner's runs.
    func execution(owner: String, id: String) async throws -> ExecutionLog?
}

extension ExecutionStore {
    /// The owner's newest runs.
    package func executions(owner: String, limit: Int) async throws -> [ExecutionLog] {
        try await executions(owner: owner, limit: limit, after: nil)
    }
}
