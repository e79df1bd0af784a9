import Foundation

/// The command line that runs one user's instance of a stdio server inside bubblewrap.
/// A pure function of its inputs (nothing is read from the file system), so what the
/// sandbox allows can be read and tested here:
///
/// - every namespace unshared (user, mount, pid, ipc, uts, cgroup, network); the network
///   namespace is shared only for a server declared with `"network": true`;
/// - no capabilities, a new session (no terminal injection), killed with its parent;
/// - the system read-only: `/usr` and the `/bin`, `/sbin`, `/lib*` links, a short list of
///   harmless `/etc` files (never `/etc` as a whole: it may hold the operator's env files),
///   the program's own installation and the declared `readOnlyPaths`; nothing else of
///   the host (no `/home`, `/root`, `/var`, `/work`, Junction's data folder);
/// - the user's folder for the source writable at `/data` (what `{data}` means inside), a
///   private `/tmp`, a fresh `/proc` of its own pid namespace and a minimal `/dev`;
/// - its environment exactly `environment` (Junction's own never reaches it: the process is
///   spawned with this one), secrets included there and never on the command line (which
///   other local users may read in `/proc`);
/// - limits by `prlimit` (address space, CPU seconds, open files, no core dumps) and, for
///   the process count, a pids cgroup joined by a one-line shell before anything runs.
package struct StdioSandbox: Sendable, Equatable {
    /// Where the user's folder appears inside the sandbox; `{data}` expands to it.
    package static let dataMount = "/data"
    /// The uid and gid the server runs as inside its user namespace.
    package static let sandboxID = 65534

    /// The system folders bound read-only (skipped when absent).
    package static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64"]
    /// Files and folders of `/etc` that programs need and that hold nothing secret.
    package static let etcPaths = [
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone", "/etc/passwd",
        "/etc/group", "/etc/nsswitch.conf", "/etc/mime.types", "/etc/alternatives", "/etc/ssl", "/etc/ca-certificates",
        "/etc/gitconfig", "/etc/python3", "/etc/python3.11",
    ]
    /// More of `/etc` for servers allowed the network (name resolution).
    package static let networkEtcPaths = ["/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf"]

    package var server: StdioServerDeclaration
    /// The user's folder for the source on the host (absolute, already created).
    package var dataFolder: String
    /// Values the user supplied for the server's `secrets`.
    package var secrets: [String: String]
    package var limits: StdioLimits
    /// Installation folders of the program to bind read-only (see `StdioInstallation`).
    package var installationPaths: [String]
    /// A pids cgroup folder the instance joins (nil: RLIMIT_NPROC instead).
    package var pidsCgroup: String?
    package var bwrap: String
    package var prlimit: String
    package var shell: String

    package init(server: StdioServerDeclaration, dataFolder: String, secrets: [String: String] = [:], limits: StdioLimits = StdioLimits(),
                 installationPaths: [String] = [], pidsCgroup: String? = nil, bwrap: String = "/usr/bin/bwrap",
                 prlimit: String = "/usr/bin/prlimit", shell: String = "/bin/sh") {
        self.server = server
        self.dataFolder = dataFolder
        self.secrets = secrets
        self.limits = limits
        self.installationPaths = installationPaths
        self.pidsCgroup = pidsCgroup
        self.bwrap = bwrap
        self.prlimit = prlimit
        self.shell = shell
    }

    /// The program and arguments to spawn.
    package var arguments: [String] {
        var out: [String] = []
        if let pidsCgroup {
            // Join the cgroup first, so every process of the instance counts against it.
            out += [shell, "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", pidsCgroup]
        }
        out += [prlimit, "--as=\(limits.memoryMB * 1024 * 1024)", "--cpu=\(limits.cpuSeconds)", "--nofile=\(limits.openFiles)", "--core=0"]
        out += ["--", bwrap, "--unshare-all", "--unshare-user"]
        if server.network { out.append("--share-net") }
        out += ["--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--uid", String(Self.sandboxID), "--gid", String(Self.sandboxID), "--hostname", "stdio"]
        for path in Self.systemPaths { out += ["--ro-bind-try", path, path] }
        for path in Self.etcPaths + (server.network ? Self.networkEtcPaths : []) { out += ["--ro-bind-try", path, path] }
        // The private /tmp and /run first: a program installed under /tmp stays visible.
        out += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run"]
        for path in Self.unique(installationPaths + server.readOnlyPaths) { out += ["--ro-bind-try", path, path] }
        // bwrap's root is a writable tmpfs holding the mount points: made read-only last.
        out += ["--bind", dataFolder, Self.dataMount, "--remount-ro", "/", "--chdir", Self.dataMount, "--", server.command]
        out += server.args.map { StdioServerDeclaration.expand($0, dataPath: Self.dataMount) }
        return out
    }

    /// The complete environment of the sandboxed process (and of bwrap, which passes it on).
    package var environment: [String] {
        var env: [String: String] = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": Self.dataMount, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        ]
        for (key, value) in server.env { env[key] = StdioServerDeclaration.expand(value, dataPath: Self.dataMount) }
        for name in server.secrets { if let value = secrets[name] { env[name] = value } }
        return env.keys.sorted().map { "\($0)=\(env[$0]!)" }
    }

    private static func unique(_ paths: [String]) -> [String] {
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }
}
