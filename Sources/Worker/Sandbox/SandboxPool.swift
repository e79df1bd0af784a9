import Common
import Foundation
import Logging
import ServiceLifecycle

/// A fixed number of Deno host processes, each running up to `concurrency` isolates at
/// once. A dead process is replaced; runs on other processes are unaffected.
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

    package init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        self.slots = Array(repeating: nil, count: max(1, options.processes))
        self.capacity = AsyncSemaphore(permits: max(1, options.processes) * max(1, options.concurrency))
    }

    /// Starts every host process (also done lazily on first use).
    package func start() async throws {
        for i in slots.indices { _ = try await process(at: i) }
    }

    /// Host processes currently alive (for tests and metrics).
    package var processes: [SandboxProcess] { slots.compactMap { $0 }.filter(\.isAlive) }

    /// Runs code in a fresh isolate on the least busy host.
    package nonisolated func run(code: String, functions: [String]?, timeout: Duration,
                                 handler: @escaping SandboxCallHandler) async -> SandboxOutcome {
        await capacity.acquire()
        defer { capacity.release() }
        let host: SandboxProcess
        do { host = try await pickHost() } catch {
            return .failure("SandboxUnavailable", "\(error)")
        }
        let runID = UUID().uuidString.lowercased()
        return await host.run(id: runID, code: code, functions: functions, timeout: timeout,
                              maxLogBytes: options.maxLogBytes, handler: handler)
    }

    private func pickHost() async throws -> SandboxProcess {
        // Prefer the live process with the fewest runs; among equals, rotate, so that
        // back-to-back runs alternate and each host has time to boot its next spare
        // isolate. Dead hosts are replaced as we go.
        nextRun &+= 1
        var best: (Int, SandboxProcess)?
        for k in slots.indices {
            let i = (k + nextRun) % slots.count
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
