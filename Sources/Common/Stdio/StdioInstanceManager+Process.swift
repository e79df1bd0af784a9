import Foundation
import Logging
import Redis

extension StdioInstanceManager {
    /// The manager of a worker or refresher process (nil when no stdio server is declared):
    /// its instances are held under a Redis lease per user and source with a holder id of its
    /// own, and limited by a pids cgroup (`settings.cgroupRoot`, else the default root).
    package static func forProcess(servers: StdioServerList, settings: Settings, redis: RedisClient, role: String,
                                   logger: Logger) -> StdioInstanceManager? {
        guard !servers.servers.isEmpty else { return nil }
        var settings = settings
        if settings.cgroupRoot == nil { settings.cgroupRoot = StdioPidsCgroup.defaultRoot() }
        if settings.cgroupRoot == nil {
            logger.warning("no writable pids cgroup (JUNCTION_STDIO_CGROUP): stdio instances run without a process-count limit")
        }
        let holder = "\(role)-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
        return StdioInstanceManager(servers: servers, settings: settings, lease: StdioLease(redis: redis, holder: holder), logger: logger)
    }
}
