import Common
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A fixed number of Deno host processes, each running up to `concurrency` isolates at
/// once. A dead process is replaced; runs on other processes are unaffected.
///
/// V8 cannot stop one isolate that reaches its heap limit without aborting the whole
/// process, so one memory bomb takes down every run on its host. Those runs that had not
/// called any upstream function yet (nothing of them happened outside the sandbox) are
/// run again, one at a time, in a quarantine host of their own: the innocent ones finish,
/// and the bomb, run again too, can only take itself down.
package actor SandboxPool {
    package struct Options: Sendable {
        package var denoPath: String
        package var scriptPath: String
        package var processes: Int
        package var concurrency: Int
        package var heapMB: Int
        package var maxLogBytes: Int

        package init(denoPath: String, scriptPath: String, processes: Int = 2, concurrency: Int = 4, heapMB: Int = 128,
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
    private let capacity: AsyncSemaphore
    private var nextRun = 0
    /// The slot after the regular ones: the quarantine host, started on first need.
    private let quarantineSlot: Int
    /// Quarantined runs go one at a time.
    private let quarantineGate = AsyncSemaphore(permits: 1)

    package init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        self.quarantineSlot = max(1, options.processes)
        self.slots = Array(repeating: nil, count: max(1, options.processes) + 1)
        self.capacity = AsyncSemaphore(permits: max(1, options.processes) * max(1, options.concurrency))
    }

    /// Starts every regular host process (also done lazily on first use).
    package func start() async throws {
        for i in 0..<quarantineSlot { _ = try await process(at: i) }
    }

    /// Regular host processes currently alive (for tests and metrics).
    package var processes: [SandboxProcess] { slots[0..<quarantineSlot].compactMap { $0 }.filter(\.isAlive) }

    /// Runs code in a fresh isolate on the least busy host. Cancelling the calling task, or
    /// `cancellation`, stops it.
    package nonisolated func run(code: String, functions: [String]?, timeout: Duration, cancellation: SandboxCancellation? = nil,
                                 handler: @escaping SandboxCallHandler) async -> SandboxOutcome {
        await capacity.acquire()
        defer { capacity.release() }
        let host: SandboxProcess
        do { host = try await pickHost() } catch {
            return .failure("SandboxUnavailable", "\(error)")
        }
        let started = ContinuousClock.now
        let calls = CallWitness()
        let outcome = await host.run(id: UUID().uuidString.lowercased(), code: code, functions: functions, timeout: timeout,
                                     maxLogBytes: options.maxLogBytes, cancellation: cancellation) { name, args in
            calls.record()
            return await handler(name, args)
        }
        guard outcome.errorName == SandboxOutcome.crashed, !calls.happened, !Task.isCancelled,
              cancellation?.isCancelled != true else { return outcome }
        let left = timeout - (ContinuousClock.now - started)
        guard left > .milliseconds(50) else { return outcome }
        return await runInQuarantine(code: code, functions: functions, timeout: left, cancellation: cancellation, handler: handler)
    }

    /// Runs again, alone in the quarantine host, a run whose host crashed under it before
    /// it called anything.
    private nonisolated func runInQuarantine(code: String, functions: [String]?, timeout: Duration, cancellation: SandboxCancellation?,
                                             handler: @escaping SandboxCallHandler) async -> SandboxOutcome {
        await quarantineGate.acquire()
        defer { quarantineGate.release() }
        let host: SandboxProcess
        do { host = try await process(at: quarantineSlot) } catch {
            return .failure("SandboxUnavailable", "\(error)")
        }
        logger.warning("running a run again in the quarantine sandbox host after its host crashed")
        var outcome = await host.run(id: UUID().uuidString.lowercased(), code: code, functions: functions, timeout: timeout,
                                     maxLogBytes: options.maxLogBytes, cancellation: cancellation, handler: handler)
        if outcome.errorName == SandboxOutcome.crashed {
            outcome.errorMessage = "this code crashed its sandbox on its own, twice: it most likely went over the sandbox memory limit of "
                + "\(options.heapMB) MB (JUNCTION_SANDBOX_HEAP_MB); nothing more of the run happened"
        }
        return outcome
    }

    private func pickHost() async throws -> SandboxProcess {
        // Prefer the live process with the fewest runs; among equals, rotate, so that
        // back-to-back runs alternate and each host has time to boot its next spare
        // isolate. Dead hosts are replaced as we go.
        nextRun &+= 1
        var best: (Int, SandboxProcess)?
        for k in 0..<quarantineSlot {
            let i = (k + nextRun) % quarantineSlot
            let p = try await process(at: i)
            let load = p.activeRuns
            if best == nil || load < best!.0 { best = (load, p) }
        }
        return best!.1
    }

    private func process(at index: Int) async throws -> SandboxProcess {
        if let p = slots[index], p.isAlive { return p }
        if let task = starting[index] { return try await task.value }
        if slots[index] != nil { logger.warning("replacing dead sandbox host", metadata: ["slot": "\(index)"]) }
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
    /// Where the host script is: `JUNCTION_SANDBOX_HOST_SCRIPT`, else the copy bundled
    /// with the worker.
    package static func defaultScriptPath(environment: Environment = Environment()) throws -> String {
        if let path = environment.string("JUNCTION_SANDBOX_HOST_SCRIPT") { return path }
        guard let path = Bundle.module.path(forResource: "sandbox-host", ofType: "js") else {
            throw JunctionError("sandbox_unavailable", "sandbox-host.js is not bundled; set JUNCTION_SANDBOX_HOST_SCRIPT")
        }
        return path
    }
}
