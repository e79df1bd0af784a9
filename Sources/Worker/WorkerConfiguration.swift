import Config
import Foundation
import JunctionCore

/// Configuration of an executor worker.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `JUNCTION_DENO` | deno binary | `deno` on `PATH` |
/// | `JUNCTION_SANDBOX_HOST_SCRIPT` | override of the bundled sandbox-host.js | bundled |
/// | `JUNCTION_SANDBOX_PROCESSES` | Deno host processes; each serves one user at a time | 4 |
/// | `JUNCTION_SANDBOX_CONCURRENCY` | concurrent runs per process (of its one user) | 4 |
/// | `JUNCTION_SANDBOX_HEAP_MB` | V8 heap cap per process | 256 |
/// | `JUNCTION_EXECUTE_TIMEOUT_MS` | default wall time of a run | 30000 |
/// | `JUNCTION_MAX_OUTPUT_CHARS` | result size cap | 24000 |
/// | `JUNCTION_UPSTREAM_TIMEOUT_MS` | per-call upstream timeout | 30000 |
/// | `JUNCTION_UPSTREAM_MAX_BYTES` | per-call response cap | 1000000 |
/// | `JUNCTION_MAX_CALLS_PER_RUN` | upstream calls one run may make | 50 |
/// | `JUNCTION_MAX_CONCURRENT_CALLS` | upstream calls one run may have in flight | 6 |
/// | `JUNCTION_MAX_ATTACHMENTS_PER_RUN` | images, audio clips and resources from MCP tools one run may keep | 10 |
/// | `JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN` | their decoded bytes one run may keep | 5000000 |
/// | `JUNCTION_MCP_IDLE_MS` | how long an unused upstream MCP session stays open | 300000 |
package struct WorkerConfiguration: Sendable {
    package var common: CommonConfiguration
    package var sandbox: SandboxPool.Options
    package var maxOutputChars: Int
    package var upstreamTimeout: Duration
    package var upstreamMaxBytes: Int
    package var limits: RunLimits
    package var mcpIdleTimeout: Duration

    package init(environment env: Environment = Environment()) throws {
        common = try CommonConfiguration(environment: env)
        let deno = env.string("JUNCTION_DENO") ?? Self.findOnPath("deno") ?? "deno"
        sandbox = SandboxPool.Options(
            denoPath: deno,
            scriptPath: try SandboxPool.defaultScriptPath(environment: env),
            processes: max(1, try env.int("JUNCTION_SANDBOX_PROCESSES", default: 4)),
            concurrency: max(1, try env.int("JUNCTION_SANDBOX_CONCURRENCY", default: 4)),
            heapMB: max(32, try env.int("JUNCTION_SANDBOX_HEAP_MB", default: 256)))
        maxOutputChars = max(1000, try env.int("JUNCTION_MAX_OUTPUT_CHARS", default: 24_000))
        upstreamTimeout = .milliseconds(max(100, try env.int("JUNCTION_UPSTREAM_TIMEOUT_MS", default: 30_000)))
        upstreamMaxBytes = max(1024, try env.int("JUNCTION_UPSTREAM_MAX_BYTES", default: 1_000_000))
        limits = RunLimits(maxCallsPerRun: max(1, try env.int("JUNCTION_MAX_CALLS_PER_RUN", default: 50)),
                           maxConcurrentCallsPerRun: max(1, try env.int("JUNCTION_MAX_CONCURRENT_CALLS", default: 6)),
                           attachments: RunAttachments.Limits(
                               maxCount: max(0, try env.int("JUNCTION_MAX_ATTACHMENTS_PER_RUN", default: 10)),
                               maxBytes: max(0, try env.int("JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN", default: 5_000_000))))
        mcpIdleTimeout = .milliseconds(max(100, try env.int("JUNCTION_MCP_IDLE_MS", default: 300_000)))
    }

    static func findOnPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
