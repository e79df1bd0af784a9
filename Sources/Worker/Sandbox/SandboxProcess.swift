import Foundation
import JunctionCore
import JunctionMetrics
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One Deno host process running `sandbox-host.js` with every permission denied but
/// reading its own fd 3. It runs several executions at once (all of one owner: see
/// `SandboxScheduler`), each in its own fresh Web Worker.
///
/// Requests go to the host as JSON lines on its fd 3, a pipe no sandbox isolate can open;
/// the first line is a fresh key. Frames come back on the host's stdout, each signed with
/// that key (`SandboxFrameAuthenticator`): a line that fails the check is dropped and
/// counted, never read, so code in a sandbox cannot forge a frame even if it found a way
/// to write to the process's stdout. stdin is /dev/null; stderr is diagnostics.
package final class SandboxProcess: Sendable {
    package let id: Int
    package let pid: Int32
    /// Swift's end of the request pipe (the host's fd 3).
    private let requests: Int32
    private let writeQueue: DispatchQueue
    /// Lines handed to `writeQueue` and not yet written; only while it is zero may a
    /// line be written directly, so lines never overtake each other.
    private let queuedWrites = Mutex(0)
    private let logger: Logger
    private let state = Mutex(State())
    /// Lines from the host that were not genuine frames.
    private let rejected = Atomic<Int>(0)

    private struct RunState {
        var continuation: CheckedContinuation<SandboxOutcome, Never>
        var handler: SandboxCallHandler
        var callTasks: [Task<Void, Never>] = []
    }

    private struct State {
        var runs: [String: RunState] = [:]
        var alive = true
        /// Reaped: the pid may belong to another process now, never signal it.
        var reaped = false
        var ready: CheckedContinuation<Bool, Never>?
        var isReady = false
    }

    /// Starts the process; returns when its first spare isolate is booted.
    package init(id: Int, denoPath: String, scriptPath: String, heapMB: Int, logger: Logger) async throws {
        self.id = id
        self.logger = logger
        let arguments = [
            denoPath, "run", "--no-prompt", "--no-remote", "--no-npm", "--no-config", "--no-lock",
            // Lets the host give its workers `permissions: "none"` (else they would inherit its read of fd 3).
            "--unstable-worker-options", "--allow-read=/dev/fd/3",
            // No eval/new Function at the V8 level too, whatever the script's own lockdown misses.
            "--v8-flags=--max-old-space-size=\(heapMB),--disallow-code-generation-from-strings", scriptPath,
        ]
        // The sandbox gets no secrets: a minimal environment, never the worker's own.
        // DENO_DIR points where nothing can be created: Deno then keeps its caches in
        // memory instead of writing every run's compiled code to disk.
        let environment = [
            "PATH=/usr/bin:/bin", "HOME=/nonexistent", "DENO_DIR=/dev/null/deno", "DENO_NO_UPDATE_CHECK=1", "NO_COLOR=1",
        ]
        let spawned: (pid: Int32, requests: Int32, frames: Int32)
        do {
            spawned = try Self.spawn(arguments, environment: environment)
        } catch {
            throw JunctionError("sandbox_unavailable", "cannot start deno at \(denoPath): \(error)")
        }
        self.pid = spawned.pid
        self.requests = spawned.requests
        self.writeQueue = DispatchQueue(label: "junction.sandbox.\(id).write")
        let authenticator = SandboxFrameAuthenticator()
        // Before anything else on fd 3, and before the read thread exists.
        _ = Self.writeAll(requests, Data((authenticator.keyLine + "\n").utf8))
        // Non-blocking, so `send` can try a line at once on the caller's thread and never
        // blocks there: a full pipe hands the rest to `writeQueue`.
        _ = fcntl(requests, F_SETFL, fcntl(requests, F_GETFL) | O_NONBLOCK)
        let fd = spawned.frames
        let thread = Thread { [weak self] in
            var frames = authenticator // this thread's own copy: it alone tracks the sequence
            Self.readLoop(fd: fd, owner: self) { line in frames.open(line) }
            close(fd)
        }
        thread.name = "junction.sandbox.\(id).read"
        thread.start()
        let booted = await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in
            let now: Bool? = state.withLock { s in
                if s.isReady { return true }
                if !s.alive { return false }
                s.ready = cont
                return nil
            }
            if let now { cont.resume(returning: now) }
        }
        guard booted else { throw JunctionError("sandbox_unavailable", "the deno sandbox host exited while starting") }
    }

    deinit {
        // After any line still queued for writing: then the host sees EOF on fd 3 and exits.
        let fd = requests
        writeQueue.async { close(fd) }
    }

    /// Starts deno with stdin from /dev/null, stdout into a pipe (the frames), stderr
    /// shared, and the read end of a second pipe (the requests) as fd 3. No other
    /// descriptor of this process reaches it (closed by the file actions, or close-on-exec).
    private static func spawn(_ arguments: [String], environment: [String]) throws -> (pid: Int32, requests: Int32, frames: Int32) {
        func cloexecPipe() throws -> [Int32] {
            guard let fds = ChildProcessSpawner.cloexecPipe() else {
                throw JunctionError("sandbox_unavailable", "pipe: \(String(cString: strerror(errno)))")
            }
            return fds
        }
        let requestPipe = try cloexecPipe()
        let framePipe: [Int32]
        do { framePipe = try cloexecPipe() } catch {
            close(requestPipe[0]); close(requestPipe[1])
            throw error
        }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(requestPipe[0])
            close(framePipe[1])
            if devNull >= 0 { close(devNull) }
        }
        let pid: pid_t
        switch ChildProcessSpawner.spawn(arguments, environment: environment,
                                         descriptors: [(devNull, 0), (framePipe[1], 1), (requestPipe[0], 3)]) {
        case .success(let child): pid = child
        case .failure(let error):
            close(requestPipe[1]); close(framePipe[0])
            throw JunctionError("sandbox_unavailable", "posix_spawn: \(error)")
        }
        return (pid, requestPipe[1], framePipe[0])
    }

    package var isAlive: Bool { state.withLock { $0.alive } }
    package var activeRuns: Int { state.withLock { $0.runs.count } }

    /// Runs code in a fresh isolate. Never throws: every failure is an outcome.
    /// `functions: nil` lets code call any name; the handler then decides (by the user's
    /// catalog) which exist, so a 10,000-entry catalog is not shipped into every isolate.
    /// Cancelling the calling task, or `cancellation`, stops the run.
    package func run(id runID: String, code: String, functions: [String]?, listing: SandboxListing? = nil, timeout: Duration,
                     maxLogBytes: Int, cancellation: SandboxCancellation? = nil,
                     handler: @escaping SandboxCallHandler) async -> SandboxOutcome {
        let timeoutMs = timeout.milliseconds
        let message = SandboxMessage.run(SandboxRunRequest(id: runID, code: code, functions: functions, listing: listing?.json,
                                                           timeoutMs: timeoutMs, maxLogBytes: maxLogBytes))
        // If the host does not report the deadline itself, it is stuck: kill it.
        let watchdog = Task { [weak self] in
            try? await Task.sleep(for: timeout + .seconds(3))
            guard !Task.isCancelled, let self else { return }
            if self.state.withLock({ $0.runs[runID] != nil }) {
                self.logger.error("sandbox host did not honour a deadline; killing it", metadata: ["pid": "\(self.pid)"])
                self.kill()
            }
        }
        defer {
            watchdog.cancel()
            cancellation?.clearHandler()
        }
        let stop = SandboxMessage.cancel(id: runID)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<SandboxOutcome, Never>) in
                let accepted = state.withLock { s -> Bool in
                    guard s.alive else { return false }
                    s.runs[runID] = RunState(continuation: cont, handler: handler)
                    return true
                }
                guard accepted else {
                    cont.resume(returning: .failure("SandboxUnavailable", "the sandbox host process is not running"))
                    return
                }
                MetricCatalog.isolatesCreated.increment()
                send(message)
                // A cancel that came before the run was registered reached the host ahead of
                // the run itself, which then would never be stopped: send it again after.
                let stillWanted = cancellation?.setHandler { [weak self] in self?.send(stop) } ?? true
                if Task.isCancelled || !stillWanted { send(stop) }
            }
        } onCancel: {
            self.send(stop)
        }
    }

    /// Kills the process at once (SIGKILL); its runs fail.
    package func kill() {
        state.withLock { s in
            if !s.reaped { _ = Glibc.kill(pid, SIGKILL) }
        }
    }

    /// Adds glibc's "close every descriptor from `fd` on" file action (2.34+; hidden behind
    /// _GNU_SOURCE, so looked up at run time). Without it, descriptors other code opened
    /// without close-on-exec (sockets, say) would be inherited by deno.
    /// Lines from the host's stdout that were not genuine frames (for tests and metrics).
    package var rejectedLines: Int { rejected.load(ordering: .relaxed) }

    /// Writes one line to the host. A line fits the pipe almost always and is then
    /// written right here (a hop to another thread first cost every run a wake-up); the
    /// rest of a line the pipe cannot take now is written by `writeQueue`, which waits.
    private func send(_ message: SandboxMessage) {
        var line = Data(message.json.jsonString().utf8)
        line.append(0x0A)
        let fd = requests
        let rest: Data? = queuedWrites.withLock { queued in
            if queued > 0 {
                queued += 1
                return line
            }
            let written = line.withUnsafeBytes { Self.writeSome(fd, $0) }
            if written == line.count { return nil }
            queued += 1
            return line.subdata(in: max(0, written)..<line.count)
        }
        guard let rest else { return }
        writeQueue.async { [weak self] in
            if !Self.writeAll(fd, rest) {
                self?.logger.warning("cannot write to sandbox host", metadata: ["errno": "\(errno)"])
            }
            self?.queuedWrites.withLock { $0 -= 1 }
        }
    }

    /// Writes what the non-blocking pipe takes now; the count written (0 when full).
    private static func writeSome(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            break // EAGAIN (full) or an error the queue reports
        }
        return done
    }

    /// Writes all of `data`, waiting for room in the pipe; false on an error (the host died).
    private static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n > 0 { done += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EAGAIN {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 1000)
                    continue
                }
                return false
            }
            return true
        }
    }

    private static func readLoop(fd: Int32, owner: SandboxProcess?, open: (ArraySlice<UInt8>) -> Data?) {
        weak var weakOwner = owner
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65536) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            var start = 0
            while let nl = buffer[start...].firstIndex(of: 0x0A) {
                let line = buffer[start..<nl]
                start = nl + 1
                if let frame = open(line) {
                    weakOwner?.receive(frame)
                } else {
                    weakOwner?.reject(bytes: line.count)
                }
            }
            buffer.removeFirst(start)
        }
        weakOwner?.didExit()
    }

    /// A line that is not a genuine frame: counted, and logged without its content (at
    /// powers of two, so a flood cannot flood the log).
    private func reject(bytes: Int) {
        let count = rejected.add(1, ordering: .relaxed).newValue
        if count & (count - 1) == 0 {
            logger.warning("dropped a line from the sandbox host that is not an authenticated frame",
                           metadata: ["pid": "\(pid)", "bytes": "\(bytes)", "droppedSoFar": "\(count)"])
        }
    }

    private func receive(_ line: Data) {
        guard let json = try? JSONValue.parse(line), let message = SandboxMessage(json: json) else {
            logger.warning("unreadable frame from sandbox host", metadata: ["bytes": "\(line.count)"])
            return
        }
        switch message {
        case .ready:
            let cont = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                s.isReady = true
                defer { s.ready = nil }
                return s.ready
            }
            cont?.resume(returning: true)
        case .call(let runID, let callID, let name, let args):
            state.withLock { s in
                guard let handler = s.runs[runID]?.handler else { return }
                let task = Task {
                    let outcome = await handler(name, args)
                    self.send(.result(id: runID, callID: callID, outcome: outcome))
                }
                s.runs[runID]?.callTasks.append(task)
            }
        case .done(let runID, let outcome):
            let run = state.withLock { $0.runs.removeValue(forKey: runID) }
            guard let run else { return }
            run.callTasks.forEach { $0.cancel() }
            run.continuation.resume(returning: outcome)
        case .run, .result, .cancel, .ping, .pong:
            break
        }
    }

    private func didExit() {
        let (runs, ready) = state.withLock { s -> ([RunState], CheckedContinuation<Bool, Never>?) in
            s.alive = false
            defer { s.runs = [:]; s.ready = nil }
            return (Array(s.runs.values), s.ready)
        }
        ready?.resume(returning: false)
        if !runs.isEmpty {
            logger.error("sandbox host exited with runs in flight", metadata: ["pid": "\(pid)", "runs": "\(runs.count)"])
        }
        for run in runs {
            run.callTasks.forEach { $0.cancel() }
            run.continuation.resume(returning: .failure(
                "SandboxCrashed",
                "the sandbox process running this code stopped (it may have exceeded the memory limit or been killed); nothing more of the run happened"))
        }
        kill()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        state.withLock { $0.reaped = true }
    }
}
