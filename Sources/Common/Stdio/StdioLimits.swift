/// Resource limits of one stdio instance.
package struct StdioLimits: Sendable, Equatable {
    /// Address space of each process (RLIMIT_AS), MiB.
    package var memoryMB: Int
    /// CPU time of each process over its life (RLIMIT_CPU), seconds; past it the kernel
    /// kills the process and the next call starts a fresh instance.
    package var cpuSeconds: Int
    /// Processes and threads of the whole instance, by a pids cgroup (without one there is
    /// no count limit: RLIMIT_NPROC would count every process of the host user, Junction's own).
    package var processes: Int
    /// Open files of each process (RLIMIT_NOFILE).
    package var openFiles: Int

    package init(memoryMB: Int = 1024, cpuSeconds: Int = 600, processes: Int = 64, openFiles: Int = 256) {
        self.memoryMB = memoryMB
        self.cpuSeconds = cpuSeconds
        self.processes = processes
        self.openFiles = openFiles
    }
}
