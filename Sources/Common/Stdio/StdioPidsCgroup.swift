import Foundation
import Logging

/// A pids cgroup per instance, under a folder the operator delegates (cgroup v1's
/// `pids` hierarchy, or a cgroup v2 folder with the `pids` controller enabled for its
/// children): `pids.max` bounds the processes and threads of the whole instance.
package enum StdioPidsCgroup {
    /// The default root: cgroup v1's pids hierarchy, when this process may create folders there.
    package static func defaultRoot() -> String? {
        let root = "/sys/fs/cgroup/pids"
        guard FileManager.default.fileExists(atPath: root + "/cgroup.procs"), access(root, W_OK) == 0 else { return nil }
        let path = root + "/junction-stdio"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return FileManager.default.fileExists(atPath: path + "/cgroup.procs") ? path : nil
    }

    /// Creates `<root>/<name>` with `pids.max`; nil when there is no root or it fails.
    package static func create(root: String?, name: String, maxProcesses: Int, logger: Logger) -> String? {
        guard let root else { return nil }
        let path = root + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            try "\(maxProcesses)\n".write(toFile: path + "/pids.max", atomically: false, encoding: .utf8)
            return path
        } catch {
            logger.warning("cannot create a pids cgroup for a stdio instance; no process-count limit", metadata: ["path": "\(path)", "error": "\(error)"])
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
    }

    /// Removes an instance's cgroup (after its processes ended).
    package static func remove(_ path: String?) {
        guard let path else { return }
        for _ in 0..<20 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(25_000)
        }
    }
}
