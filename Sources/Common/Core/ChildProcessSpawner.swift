import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a child process with `posix_spawn`, the way every process Junction starts (the
/// Deno sandbox hosts, stdio MCP servers) must start: only the descriptors it is given, on
/// the numbers it is given; signals unblocked and SIGPIPE back to its default, whatever the
/// parent's own mask and handlers are.
package enum ChildProcessSpawner {
    /// A pipe whose two ends close on exec, so no other child inherits them; nil and `errno`
    /// set when the system refuses. (`pipe2(O_CLOEXEC)` is not exported to Swift: the flag is
    /// set right after. A child spawned by another thread in between still gets neither end:
    /// `spawn` closes every descriptor it was not given.)
    package static func cloexecPipe() -> [Int32]? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fds
    }

    /// Spawns `arguments[0]` (an absolute path) with `arguments` and `environment`, each
    /// `(from, to)` of `descriptors` duplicated onto `to` and every descriptor above the
    /// highest `to` closed in the child. Returns the child's pid, or `posix_spawn`'s error.
    package static func spawn(_ arguments: [String], environment: [String],
                              descriptors: [(from: Int32, to: Int32)]) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (from, to) in descriptors { posix_spawn_file_actions_adddup2(&actions, from, to) }
        closeFrom((descriptors.map(\.to).max() ?? 2) + 1, in: &actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        return rc == 0 ? .success(pid) : .failure(SpawnError(code: rc))
    }

    /// `posix_spawn`'s error number, described.
    package struct SpawnError: Error, CustomStringConvertible {
        package var code: Int32
        package var description: String { String(cString: strerror(code)) }
    }

    /// Closes every descriptor from `fd` up in the child (glibc 2.34+; before, the
    /// close-on-exec flag on Junction's own descriptors is what keeps them out).
    private static func closeFrom(_ fd: Int32, in actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, fd)
    }
}
