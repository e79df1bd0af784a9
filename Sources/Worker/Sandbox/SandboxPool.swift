import Foundation
import JunctionCore
import JunctionMetrics
import Logging
import ServiceLifecycle
import Synchronization

/// A fixed number of Deno host processes, each running up to `concurrency` isolates at
/// once. A dead process is replaced; runs on other processes are unaffected.
///
/// V8 cannot stop one isolate that reaches its heap limit without aborting the whole
/// process, so one memory bomb takes down every run on its host. A host therefore serves
/// one owner at a time (`SandboxScheduler`): whatever one user's code does to its host,
/// another user's runs are elsewhere. The runs the bomb takes down with it are its
/// owner's own; those that had not called any upstream function yet (nothing of them
/// happened outside the sandbox) are run again, each alone in a host: the innocent ones
/// finish, and the bomb, run again too, can only take itself down. A run that called
/// upstream is never run again.
package actor SandboxPool {
    package struct Options: Sendable {
        package var denoPath: String
        package var scriptPath: String
        /// Host processes; also how many owners can run code at the same time.
        package var processes: Int
        /// Concurrent runs per host process (of its one owner).
        package var concurrency: Int
        package var heapMB: Int
        package var maxLogBytes: Int

        package init(denoPath: String, scriptPath: String, processes: Int = 4, concurrency: Int = 4, heapMB: Int = 128,
                     maxLogBytes: Int = 16_000) {
            self.denoPath = denoPath
            self.scriptPath = scriptPath
            self.processes = processes
            self.concurrency = concurrency
            self.heapMB = heapMB
            self.maxLogBytes = maxLogBytes
        }
    }

    package let options: Options
    private let logger: Logger
    private var slots: [SandboxProcess?]
    private var starting: [Int: Task<SandboxProcess, Error>] = [:]
    private var scheduler: SandboxScheduler
    /// Runs waiting for a host, by ticket: resumed with the host, or nil when they gave up.
    private var waiters: [Int: CheckedContinuation<Int?, Never>] = [:]
    /// Tickets withdrawn before their run started waiting (it was cancelled already).
    private var gaveUp: Set<Int> = []

    package init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        let count = max(1, options.processes)
        self.slots = Array(repeating: nil, count: count)
        self.scheduler = SandboxScheduler(hosts: count, capacity: max(1, options.concurrency))
    }

    /// Starts every host process (also done lazily on first use).
    package func start() async throws {
        for i in slots.indices { _ = try await process(at: i) }
    }

    /// Host processes currently alive (for tests and metrics).
    package var processes: [SandboxProcess] { slots.compactMap { $0 }.filter(\.isAlive) }

    /// The owner each host currently serves (nil: idle), by host index (for tests and metrics).
    package var hostOwners: [String?] { slots.indices.map { scheduler.owner(ofHost: $0) } }

    /// Runs code of `owner` in a fresh isolate, on a host that serves only that owner
    /// while the run lasts. Waiting for a host counts against `timeout`. Cancelling the
    /// calling task, or `cancellation`, stops it.
    /// `listing` is what `codemode` shows of itself when `functions` is nil (open).
    package nonisolated func run(owner: String, code: String, functions: [String]?, listing: SandboxListing? = nil,
                                 timeout: Duration, cancellation: SandboxCancellation? = nil,
                                 handler: @escaping SandboxCallHandler) async -> SandboxOutcome {
        let started = ContinuousClock.now
        let calls = CallWitness()
        let outcome = await runOnce(owner: owner, exclusive: false, code: code, functions: functions, listing: listing,
                                    timeout: timeout, cancellation: cancellation) { name, args in
            calls.record()
            return await handler(name, args)
        }
        guard outcome.errorName == SandboxOutcome.crashed, !calls.happened, !Task.isCancelled,
              cancellation?.isCancelled != true else { return outcome }
        let left = timeout - (ContinuousClock.now - started)
        guard left > .milliseconds(50) else { return outcome }
        logger.warning("running a run again, alone in a host, after its host crashed", metadata: ["owner": "\(owner)"])
        var again = await runOnce(owner: owner, exclusive: true, code: code, functions: functions, listing: listing,
                                  timeout: left, cancellation: cancellation, handler: handler)
        if again.errorName == SandboxOutcome.crashed {
            again.errorMessage = "this code crashed its sandbox on its own, twice: it most likely went over the sandbox memory limit of "
                + "\(options.heapMB) MB (JUNCTION_SANDBOX_HEAP_MB); nothing more of the run happened"
        }
        return again
    }

    /// One attempt: waits for a host of this owner, runs there, gives the place back.
    private nonisolated func runOnce(owner: String, exclusive: Bool, code: String, functions: [String]?, listing: SandboxListing?,
                                     timeout: Duration, cancellation: SandboxCancellation?,
                                     handler: @escaping SandboxCallHandler) async -> SandboxOutcome {
        let asked = ContinuousClock.now
        guard let index = await lease(owner: owner, exclusive: exclusive, timeout: timeout, cancellation: cancellation) else {
            if Task.isCancelled || cancellation?.isCancelled == true {
                return .failure("Cancelled", "execution was cancelled before a sandbox was free")
            }
            return .failure("TimeoutError", "no sandbox became free within the wall-time limit of \(timeout.milliseconds) ms "
                + "(JUNCTION_SANDBOX_PROCESSES hosts are all serving other users)", timedOut: true)
        }
        let outcome: SandboxOutcome
        do {
            let host = try await process(at: index)
            outcome = await host.run(id: UUID().uuidString.lowercased(), code: code, functions: functions, listing: listing,
                                     timeout: timeout - (ContinuousClock.now - asked), maxLogBytes: options.maxLogBytes,
                                     cancellation: cancellation, handler: handler)
        } catch {
            outcome = .failure("SandboxUnavailable", "\(error)")
        }
        if outcome.errorName == SandboxOutcome.crashed { await replaceSoon(index) }
        await release(index)
        return outcome
    }

    /// A host index for one run of `owner`, at once or once one is free for it; nil when
    /// the run gave up waiting (its time ran out, or it was cancelled).
    private func lease(owner: String, exclusive: Bool, timeout: Duration, cancellation: SandboxCancellation?) async -> Int? {
        let (ticket, host) = scheduler.request(owner: owner, exclusive: exclusive)
        if let host { return host }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.withdraw(ticket)
        }
        defer {
            timer.cancel()
            cancellation?.clearHandler()
        }
        if cancellation?.setHandler({ [weak self] in Task { await self?.withdraw(ticket) } }) == false {
            withdraw(ticket) // runs before the wait below: it then returns nil at once
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<Int?, Never>) in
                // Registered before this actor runs anything else: no grant or withdrawal can come first.
                if gaveUp.remove(ticket) != nil { cont.resume(returning: nil) } else { waiters[ticket] = cont }
            }
        } onCancel: {
            Task { [weak self] in await self?.withdraw(ticket) }
        }
    }

    private func withdraw(_ ticket: Int) {
        let (withdrawn, grants) = scheduler.withdraw(ticket: ticket)
        if withdrawn {
            if let cont = waiters.removeValue(forKey: ticket) { cont.resume(returning: nil) } else { gaveUp.insert(ticket) }
        }
        hand(grants)
    }

    private func release(_ index: Int) {
        hand(scheduler.release(host: index))
    }

    private func hand(_ grants: [SandboxScheduler.Grant]) {
        for grant in grants {
            if let cont = waiters.removeValue(forKey: grant.ticket) {
                cont.resume(returning: grant.host)
            } else {
                hand(scheduler.release(host: grant.host)) // nobody waits for it any more
            }
        }
    }

    /// Starts the replacement of a dead host now, rather than when a run next needs it.
    private func replaceSoon(_ index: Int) {
        guard starting[index] == nil else { return }
        Task { [weak self] in _ = try? await self?.process(at: index) }
    }

    private func process(at index: Int) async throws -> SandboxProcess {
        if let p = slots[index], p.isAlive { return p }
        if let task = starting[index] { return try await task.value }
        if slots[index] != nil {
            MetricCatalog.sandboxCrashes.increment()
            logger.warning("replacing dead sandbox host", metadata: ["slot": "\(index)"])
        }
        let options = self.options
        let logger = self.logger
        let task = Task {
            try await SandboxProcess(id: index, denoPath: options.denoPath, scriptPath: options.scriptPath,
                                     heapMB: options.heapMB, logger: logger)
        }
        starting[index] = task
        defer { starting[index] = nil }
        let p = try await task.value
        slots[index] = p
        return p
    }

    /// Kills every host process.
    package func shutdown() {
        for p in slots.compactMap({ $0 }) { p.kill() }
        slots = Array(repeating: nil, count: slots.count)
    }
}

/// Whether a run called any upstream function (after which it cannot be run again).
private final class CallWitness: Sendable {
    private let called = Atomic<Bool>(false)
    func record() { called.store(true, ordering: .relaxed) }
    var happened: Bool { called.load(ordering: .relaxed) }
}

extension SandboxPool {
    /// Where the host script is: `override` (`JUNCTION_SANDBOX_HOST_SCRIPT`), else the copy
    /// bundled with the worker (sandbox-worker.js must sit next to it).
    package static func defaultScriptPath(override: String? = nil) throws -> String {
        if let path = override { return path }
        guard let path = Bundle.module.path(forResource: "sandbox-host", ofType: "js") else {
            throw JunctionError("sandbox_unavailable", "sandbox-host.js is not bundled; set JUNCTION_SANDBOX_HOST_SCRIPT")
        }
        return path
    }
}
