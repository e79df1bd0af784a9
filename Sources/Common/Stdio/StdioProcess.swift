import Foundation
import JunctionCore
import Logging
import Synchronization
import Upstream
#if canImport(Glibc)
import Glibc
#endif

/// One running stdio MCP server: its stdin and stdout carry newline-delimited JSON-RPC
/// (the MCP stdio transport), its stderr is kept as a short tail for error messages.
/// Requests from the server are answered (`ping`) or refused; notifications are ignored.
package final class StdioProcess: Sendable {
    package let pid: Int32
    /// What the process was started from (compared to decide whether it is stale).
    package let fingerprint: String
    private let stdin: Int32
    private let state = Mutex(State())
    private let stderrTail = Mutex(Data())
    private let logger: Logger
    private let maxLineBytes: Int

    private struct State {
        var pending: [Int: CheckedContinuation<JSONRPCMessage, Error>] = [:]
        var nextID = 1
        var alive = true
        var reaped = false
        var exitDescription = ""
    }

    /// Most stderr kept for error messages.
    package static let stderrTailBytes = 2048

    /// Spawns `arguments[0]` with exactly `environment`; stdin, stdout and stderr are pipes,
    /// every other descriptor of this process is closed in the child.
    package init(arguments: [String], environment: [String], fingerprint: String = "", maxLineBytes: Int = 8 * 1024 * 1024,
                 logger: Logger) throws {
        self.fingerprint = fingerprint
        self.logger = logger
        self.maxLineBytes = maxLineBytes
        let spawned = try Self.spawn(arguments, environment: environment)
        pid = spawned.pid
        stdin = spawned.stdin
        let out = spawned.stdout, err = spawned.stderr
        let reader = Thread { [weak self] in
            Self.readLines(fd: out, maxLineBytes: maxLineBytes) { self?.receive($0) ?? false }
            close(out)
            self?.didExit()
        }
        reader.name = "junction.stdio.\(spawned.pid).out"
        reader.start()
        let errors = Thread { [weak self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { Glibc.read(err, $0.baseAddress, 4096) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                self?.stderrTail.withLock { tail in
                    tail.append(contentsOf: chunk[0..<n])
                    if tail.count > Self.stderrTailBytes { tail.removeFirst(tail.count - Self.stderrTailBytes) }
                }
            }
            close(err)
        }
        errors.name = "junction.stdio.\(spawned.pid).err"
        errors.start()
    }

    deinit {
        close(stdin)
    }

    package var isAlive: Bool { state.withLock { $0.alive } }

    /// The last bytes the server wrote to stderr (trimmed, valid UTF-8).
    package var stderr: String {
        let data = stderrTail.withLock { $0 }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// How the process ended ("" while it runs).
    package var exitDescription: String { state.withLock { $0.exitDescription } }

    /// Sends a request and waits for its answer; throws on a JSON-RPC error, on the
    /// process ending first, or after `timeout`.
    package func request(_ method: String, params: JSONValue, timeout: Duration) async throws -> JSONValue {
        let id = state.withLock { s -> Int in
            defer { s.nextID += 1 }
            return s.nextID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self?.fail(id: id, UpstreamError.timeout("the stdio server did not answer \(method) within \(timeout.milliseconds) ms"))
        }
        defer { timer.cancel() }
        let message: JSONRPCMessage = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<JSONRPCMessage, Error>) in
                let accepted = state.withLock { s -> Bool in
                    guard s.alive else { return false }
                    s.pending[id] = cont
                    return true
                }
                guard accepted else {
                    cont.resume(throwing: UpstreamError.disconnected("the stdio server is not running"))
                    return
                }
                if !write(JSONRPCMessage.makeRequest(id: id, method: method, params: params)) {
                    fail(id: id, UpstreamError.disconnected("cannot write to the stdio server"))
                }
            }
        } onCancel: {
            self.fail(id: id, CancellationError())
        }
        switch message {
        case .response(_, let result):
            return result
        case .error(_, let code, let text, _):
            throw UpstreamError.failed("the stdio server answered \(method) with error \(code): \(text)")
        default:
            throw UpstreamError.invalid("the stdio server sent no response to \(method)")
        }
    }

    /// Sends a notification.
    package func notify(_ method: String, params: JSONValue? = nil) {
        _ = write(JSONRPCMessage.makeNotification(method: method, params: params))
    }

    /// Waits until the process has ended, at most `timeout`; whether it has.
    @discardableResult
    package func waitForExit(timeout: Duration) async -> Bool {
        // Polled: it runs only when an instance stops, and a waiter that outlived its
        // deadline must not keep the caller waiting for a process that ignores stdin's end.
        let deadline = ContinuousClock.now + timeout
        while !state.withLock({ $0.reaped }) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Ends the process: stdin closed (the transport's way to ask it to stop), then SIGKILL
    /// after `grace`.
    package func stop(grace: Duration = .milliseconds(500)) async {
        // Replacing our only write end with /dev/null closes the pipe (the server reads EOF)
        // while the descriptor number stays valid until deinit.
        let devNull = open("/dev/null", O_WRONLY)
        if devNull >= 0 { dup2(devNull, stdin); close(devNull) }
        if await waitForExit(timeout: grace) { return }
        kill()
        await waitForExit(timeout: .seconds(5))
    }

    /// Kills the process at once.
    package func kill() {
        state.withLock { s in
            if !s.reaped { _ = Glibc.kill(pid, SIGKILL) }
        }
    }

    // MARK: - plumbing

    private func write(_ value: JSONValue) -> Bool {
        var line = Data(value.jsonString().utf8)
        line.append(0x0A)
        let fd = stdin
        return line.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n > 0 { done += n; continue }
                if n < 0 && errno == EINTR { continue }
                return false
            }
            return true
        }
    }

    private func fail(id: Int, _ error: any Error) {
        let cont = state.withLock { $0.pending.removeValue(forKey: id) }
        cont?.resume(throwing: error)
    }

    /// Handles one line from stdout; false stops reading (the process is then killed).
    private func receive(_ line: ArraySlice<UInt8>) -> Bool {
        guard let json = try? JSONValue.parse(line), let message = JSONRPCMessage(json) else {
            // Servers sometimes print a banner on stdout; skip it, it is no frame.
            return true
        }
        switch message {
        case .response(let id, _), .error(let id?, _, _, _):
            guard let key = id.intValue else { return true }
            let cont = state.withLock { $0.pending.removeValue(forKey: key) }
            cont?.resume(returning: message)
        case .request(let id, let method, _):
            if method == "ping" {
                _ = write(JSONRPCMessage.makeResponse(id: id, result: .object([:])))
            } else {
                _ = write(JSONRPCMessage.makeError(id: id, code: -32601, message: "Junction does not offer \(method)"))
            }
        case .error(nil, _, _, _), .notification:
            break
        }
        return true
    }

    private func didExit() {
        let pending = state.withLock { s -> [CheckedContinuation<JSONRPCMessage, Error>] in
            s.alive = false
            defer { s.pending = [:] }
            return Array(s.pending.values)
        }
        kill()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let description: String
        if status & 0x7F == 0 {
            description = "exited with status \((status >> 8) & 0xFF)"
        } else {
            description = "was killed by signal \(status & 0x7F)"
        }
        state.withLock { s in
            s.reaped = true
            s.exitDescription = description
        }
        // Give the stderr reader a moment to take the last words.
        usleep(20_000)
        let tail = stderr
        for cont in pending {
            cont.resume(throwing: UpstreamError.disconnected(
                "the stdio server \(description)" + (tail.isEmpty ? "" : "; its stderr ends: \(Self.lastLines(tail))")))
        }
    }

    /// The last few lines of `text`, for messages.
    package static func lastLines(_ text: String, count: Int = 5, maxChars: Int = 800) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).joined(separator: "\n")
        return String(lines.suffix(maxChars))
    }

    private static func readLines(fd: Int32, maxLineBytes: Int, _ handle: (ArraySlice<UInt8>) -> Bool) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65536) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            buffer.append(contentsOf: chunk[0..<n])
            var start = 0
            while let nl = buffer[start...].firstIndex(of: 0x0A) {
                let line = buffer[start..<nl]
                start = nl + 1
                if !handle(line) { return }
            }
            buffer.removeFirst(start)
            if buffer.count > maxLineBytes { return }
        }
    }

    private static func spawn(_ arguments: [String], environment: [String]) throws -> (pid: Int32, stdin: Int32, stdout: Int32, stderr: Int32) {
        func cloexecPipe() throws -> [Int32] {
            guard let fds = ChildProcessSpawner.cloexecPipe() else {
                throw JunctionError("stdio_unavailable", "pipe: \(String(cString: strerror(errno)))")
            }
            return fds
        }
        let input = try cloexecPipe(), output = try cloexecPipe(), errors = try cloexecPipe()
        defer { close(input[0]); close(output[1]); close(errors[1]) }
        let pid: pid_t
        switch ChildProcessSpawner.spawn(arguments, environment: environment,
                                         descriptors: [(input[0], 0), (output[1], 1), (errors[1], 2)]) {
        case .success(let child): pid = child
        case .failure(let error):
            close(input[1]); close(output[0]); close(errors[0])
            throw JunctionError("stdio_unavailable", "cannot start \(arguments[0]): \(error)", status: 503)
        }
        return (pid, input[1], output[0], errors[0])
    }
}
