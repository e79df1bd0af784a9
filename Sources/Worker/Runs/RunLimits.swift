import JunctionCore
import Synchronization

/// Per-run limits on upstream calls.
package struct RunLimits: Sendable {
    /// Upstream calls one run may make in total.
    package var maxCallsPerRun = 50
    /// Upstream calls one run may have in flight at once.
    package var maxConcurrentCallsPerRun = 6
    /// Images, audio and resources from MCP tools one run may keep (count and bytes).
    package var attachments = RunAttachments.Limits()

    package init(maxCallsPerRun: Int = 50, maxConcurrentCallsPerRun: Int = 6, attachments: RunAttachments.Limits = RunAttachments.Limits()) {
        self.maxCallsPerRun = maxCallsPerRun
        self.maxConcurrentCallsPerRun = maxConcurrentCallsPerRun
        self.attachments = attachments
    }
}

/// Counts one run's calls against its limits.
final class CallBudget: Sendable {
    let limits: RunLimits
    let slots: AsyncSemaphore
    private let made = Atomic<Int>(0)

    init(limits: RunLimits) {
        self.limits = limits
        self.slots = AsyncSemaphore(permits: max(1, limits.maxConcurrentCallsPerRun))
    }

    /// nil when the call may go ahead, else the error naming the limit.
    func admit() -> JunctionError? {
        let n = made.wrappingAdd(1, ordering: .relaxed).newValue
        guard n > limits.maxCallsPerRun else { return nil }
        return JunctionError("limit_exceeded", "this run tried to make more than \(limits.maxCallsPerRun) upstream calls (limit maxCallsPerRun); batch the work or split it across runs", status: 429)
    }
}
