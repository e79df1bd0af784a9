import Config
import Configuration
import Foundation
import JunctionCore

/// Configuration of an executor worker: the sandbox, run limits, attachments and upstream
/// calls. Built once from a `ConfigReader` at start-up and passed down; the keys are
/// `WorkerConfiguration.keys` beside `CommonConfiguration.keys`, documented in
/// `ops/docs/CONFIGURATION.md`.
package struct WorkerConfiguration: Sendable, CustomStringConvertible {
    package var common: CommonConfiguration
    package var sandbox: SandboxPool.Options
    package var maxOutputChars: Int
    package var upstreamTimeout: Duration
    package var upstreamMaxBytes: Int
    package var limits: RunLimits
    package var mcpIdleTimeout: Duration

    /// `searchPath` is where `deno` is looked for when `JUNCTION_DENO` is unset (`PATH`).
    package init(reader: ConfigReader, searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) throws {
        common = try CommonConfiguration(reader: reader)
        let deno = reader.string(.deno)
        let hostScript = reader.string(.sandboxHostScript)
        sandbox = SandboxPool.Options(
            denoPath: deno ?? Self.find("deno", in: searchPath) ?? "deno",
            scriptPath: try SandboxPool.defaultScriptPath(override: hostScript),
            processes: max(1, try reader.int(.sandboxProcesses, default: 4)),
            concurrency: max(1, try reader.int(.sandboxConcurrency, default: 4)),
            heapMB: max(32, try reader.int(.sandboxHeapMB, default: 256)))
        maxOutputChars = max(1000, try reader.int(.maxOutputChars, default: 24_000))
        upstreamTimeout = .milliseconds(max(100, try reader.int(.upstreamTimeout, default: 30_000)))
        upstreamMaxBytes = max(1024, try reader.int(.upstreamMaxBytes, default: 1_000_000))
        limits = RunLimits(maxCallsPerRun: max(1, try reader.int(.maxCallsPerRun, default: 50)),
                           maxConcurrentCallsPerRun: max(1, try reader.int(.maxConcurrentCalls, default: 6)),
                           attachments: RunAttachments.Limits(
                               maxCount: max(0, try reader.int(.maxAttachmentsPerRun, default: 10)),
                               maxBytes: max(0, try reader.int(.maxAttachmentBytesPerRun, default: 5_000_000))))
        mcpIdleTimeout = .milliseconds(max(100, try reader.int(.mcpIdle, default: 300_000)))
    }

    static func find(_ name: String, in searchPath: String?) -> String? {
        for dir in (searchPath ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The keys it reads besides `CommonConfiguration.keys`, in the order of the reference.
    package static let keys: [ConfigurationKey] = [
        .deno, .sandboxHostScript, .sandboxProcesses, .sandboxConcurrency, .sandboxHeapMB, .maxCallsPerRun, .maxConcurrentCalls,
        .maxOutputChars, .maxAttachmentsPerRun, .maxAttachmentBytesPerRun, .upstreamTimeout, .upstreamMaxBytes, .mcpIdle,
    ]

    package var description: String { redactedDescription(of: self, secret: []) }
}

extension ConfigurationKey {
    static let deno = ConfigurationKey("junction.deno", variable: "JUNCTION_DENO", default: .derived("`deno` on `PATH`"))
    static let sandboxHostScript = ConfigurationKey("junction.sandbox.hostScript", variable: "JUNCTION_SANDBOX_HOST_SCRIPT",
                                                    default: .derived("the bundled `sandbox-host.js`"))
    static let sandboxProcesses = ConfigurationKey("junction.sandbox.processes", variable: "JUNCTION_SANDBOX_PROCESSES", default: .value("4"))
    static let sandboxConcurrency = ConfigurationKey("junction.sandbox.concurrency", variable: "JUNCTION_SANDBOX_CONCURRENCY",
                                                     default: .value("4"))
    static let sandboxHeapMB = ConfigurationKey("junction.sandbox.heapMB", variable: "JUNCTION_SANDBOX_HEAP_MB", default: .value("256"))
    static let maxOutputChars = ConfigurationKey("junction.maxOutputChars", variable: "JUNCTION_MAX_OUTPUT_CHARS", default: .value("24000"))
    static let upstreamTimeout = ConfigurationKey("junction.upstream.timeoutMS", variable: "JUNCTION_UPSTREAM_TIMEOUT_MS",
                                                  default: .value("30000"))
    static let upstreamMaxBytes = ConfigurationKey("junction.upstream.maxBytes", variable: "JUNCTION_UPSTREAM_MAX_BYTES",
                                                   default: .value("1000000"))
    static let maxCallsPerRun = ConfigurationKey("junction.maxCallsPerRun", variable: "JUNCTION_MAX_CALLS_PER_RUN", default: .value("50"))
    static let maxConcurrentCalls = ConfigurationKey("junction.maxConcurrentCalls", variable: "JUNCTION_MAX_CONCURRENT_CALLS",
                                                     default: .value("6"))
    static let maxAttachmentsPerRun = ConfigurationKey("junction.maxAttachmentsPerRun", variable: "JUNCTION_MAX_ATTACHMENTS_PER_RUN",
                                                       default: .value("10"))
    static let maxAttachmentBytesPerRun = ConfigurationKey("junction.maxAttachmentBytesPerRun", variable: "JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN",
                                                           default: .value("5000000"))
    static let mcpIdle = ConfigurationKey("junction.mcpIdleMS", variable: "JUNCTION_MCP_IDLE_MS", default: .value("300000"))
}
