import Foundation
import JunctionCore
import Logging
import Upstream

/// Each user's instances of stdio servers on this host: one sandboxed process per (user,
/// source), started on demand, kept warm for `idleTimeout`, stopped when idle, started
/// again on the next use after it crashed, and stopped when another host asks for it (the
/// lease). Workers call tools through it; refreshers list tools through it, under the same
/// lease, and stop the instance right after.
package actor StdioInstanceManager {
    /// How instances are run.
    package struct Settings: Sendable {
        /// Root of the users' persistent folders (`StdioDataFolder`).
        package var dataRoot: String
        package var limits: StdioLimits
        package var idleTimeout: Duration
        /// Deadline of `initialize` at start-up.
        package var startTimeout: Duration
        /// How long to wait for another host to hand the instance over.
        package var leaseWait: Duration
        /// A pids cgroup folder under which each instance gets its own (nil: no count limit).
        package var cgroupRoot: String?
        package var bwrap: String
        package var prlimit: String

        package init(dataRoot: String, limits: StdioLimits = StdioLimits(), idleTimeout: Duration = .seconds(300),
                     startTimeout: Duration = .seconds(20), leaseWait: Duration = .seconds(10), cgroupRoot: String? = nil,
                     bwrap: String = "/usr/bin/bwrap", prlimit: String = "/usr/bin/prlimit") {
            self.dataRoot = dataRoot
            self.limits = limits
            self.idleTimeout = idleTimeout
            self.startTimeout = startTimeout
            self.leaseWait = leaseWait
            self.cgroupRoot = cgroupRoot
            self.bwrap = bwrap
            self.prlimit = prlimit
        }
    }

    /// Identifies one user's instance of one source.
    package struct Key: Hashable, Sendable, CustomStringConvertible {
        package var owner: String
        package var sourceID: String
        package init(owner: String, sourceID: String) {
            self.owner = owner
            self.sourceID = sourceID
        }
        package var description: String { "\(owner)/\(sourceID)" }
    }

    private struct Instance {
        var process: StdioProcess
        var inFlight = 0
        var lastUsed = ContinuousClock.now
        var cgroup: String?
        var leased: Bool
        /// When the lease was last renewed (or taken).
        var renewedAt = ContinuousClock.now
    }

    package let servers: StdioServerList
    package let settings: Settings
    private let lease: StdioLease?
    private let logger: Logger
    private var instances: [Key: Instance] = [:]
    private var starting: [Key: Task<StdioProcess, Error>] = [:]
    private var sweeper: Task<Void, Never>?
    /// Instances started so far (for tests and logs).
    package private(set) var starts = 0

    package init(servers: StdioServerList, settings: Settings, lease: StdioLease?, logger: Logger) {
        self.servers = servers
        self.settings = settings
        self.lease = lease
        self.logger = logger
    }

    // MARK: - use

    /// Every tool of the user's instance of `server` (`tools/list`, all pages).
    package func listTools(_ key: Key, server: String, secrets: [String: String] = [:], timeout: Duration = .seconds(30)) async throws -> [JSONValue] {
        try await use(key, server: server, secrets: secrets) { process in
            var tools: [JSONValue] = []
            var cursor: String?
            for _ in 0..<100 {
                var params: [String: JSONValue] = [:]
                if let cursor { params["cursor"] = .string(cursor) }
                let page = try await process.request("tools/list", params: .object(params), timeout: timeout)
                tools += page["tools"]?.arrayValue ?? []
                guard let next = page["nextCursor"]?.stringValue, !next.isEmpty, next != cursor else { return tools }
                cursor = next
            }
            return tools
        }
    }

    /// Calls a tool of the user's instance of `server`; returns the raw `CallToolResult`.
    package func callTool(_ key: Key, server: String, secrets: [String: String] = [:], name: String, arguments: JSONValue,
                          timeout: Duration) async throws -> JSONValue {
        try await use(key, server: server, secrets: secrets) { process in
            try await process.request("tools/call", params: ["name": .string(name), "arguments": arguments.isNull ? .object([:]) : arguments],
                                      timeout: timeout)
        }
    }

    /// Stops the instance of `key` (if it runs here) and lets go of its lease.
    package func stop(_ key: Key) async {
        guard let instance = instances.removeValue(forKey: key) else { return }
        await retire(key, instance)
    }

    /// Stops every instance (shutdown).
    package func stopAll() async {
        sweeper?.cancel()
        sweeper = nil
        for key in Array(instances.keys) { await stop(key) }
    }

    /// The pid of the running instance of `key` (bwrap's), if any.
    package func pid(_ key: Key) -> Int32? { instances[key].flatMap { $0.process.isAlive ? $0.process.pid : nil } }

    /// Keys of the instances running here.
    package var running: [Key] { Array(instances.keys) }

    // MARK: - lifecycle

    private func use<T: Sendable>(_ key: Key, server name: String, secrets: [String: String],
                                  _ body: @Sendable (StdioProcess) async throws -> T) async throws -> T {
        let server = try servers.server(named: name)
        let fingerprint = Self.fingerprint(server, secrets: secrets)
        let process = try await instance(key, server: server, secrets: secrets, fingerprint: fingerprint)
        instances[key]?.inFlight += 1
        defer {
            if instances[key]?.process === process {
                instances[key]?.inFlight -= 1
                instances[key]?.lastUsed = .now
            }
        }
        do {
            return try await body(process)
        } catch UpstreamError.timeout(let message) {
            // A server that missed a deadline may be stuck for good (most answer one request
            // at a time): the next call gets a fresh instance.
            if instances[key]?.process === process, let stuck = instances.removeValue(forKey: key) {
                logger.warning("stdio instance missed a deadline; stopping it", metadata: ["instance": "\(key)"])
                await retire(key, stuck)
            }
            throw UpstreamError.timeout(message)
        }
    }

    private func instance(_ key: Key, server: StdioServerDeclaration, secrets: [String: String], fingerprint: String) async throws -> StdioProcess {
        while true {
            if let current = instances[key] {
                if current.process.isAlive && current.process.fingerprint == fingerprint { return current.process }
                instances.removeValue(forKey: key)
                if current.process.isAlive {
                    logger.info("stdio instance is stale (declaration or secrets changed); restarting", metadata: ["instance": "\(key)"])
                } else {
                    logger.warning("stdio instance had stopped; starting it again", metadata: [
                        "instance": "\(key)", "server": "\(server.name)", "exit": "\(current.process.exitDescription)",
                    ])
                }
                await retire(key, current, keepLease: true)
                continue
            }
            if let pending = starting[key] {
                _ = try await pending.value
                continue
            }
            let task = Task { try await self.start(key, server: server, secrets: secrets, fingerprint: fingerprint) }
            starting[key] = task
            defer { starting[key] = nil }
            return try await task.value
        }
    }

    private func start(_ key: Key, server: StdioServerDeclaration, secrets: [String: String], fingerprint: String) async throws -> StdioProcess {
        if let lease {
            guard try await lease.acquire(owner: key.owner, sourceID: key.sourceID, wait: settings.leaseWait) else {
                throw JunctionError("stdio_instance_busy",
                                    "this source's stdio server is running for you on another Junction host and stayed busy; try again", status: 503)
            }
        }
        var cgroup: String?
        do {
            let folder = try StdioDataFolder.create(root: settings.dataRoot, owner: key.owner, sourceID: key.sourceID)
            cgroup = StdioPidsCgroup.create(root: settings.cgroupRoot, name: "\(key.owner)-\(key.sourceID)-\(UUID().uuidString.prefix(8))",
                                            maxProcesses: settings.limits.processes, logger: logger)
            let sandbox = StdioSandbox(server: server, dataFolder: folder, secrets: secrets, limits: settings.limits,
                                       installationPaths: StdioInstallation.paths(for: server.command), pidsCgroup: cgroup,
                                       bwrap: settings.bwrap, prlimit: settings.prlimit)
            let began = ContinuousClock.now
            let process = try StdioProcess(arguments: sandbox.arguments, environment: sandbox.environment, fingerprint: fingerprint,
                                           logger: logger)
            starts += 1
            do {
                _ = try await process.request("initialize", params: MCPProtocol.initializeParams, timeout: settings.startTimeout)
            } catch {
                await process.stop(grace: .milliseconds(100))
                throw Self.startError(server: server.name, process: process, error: error, timeout: settings.startTimeout)
            }
            process.notify("notifications/initialized")
            logger.info("stdio instance started", metadata: [
                "instance": "\(key)", "server": "\(server.name)", "pid": "\(process.pid)",
                "ms": "\((ContinuousClock.now - began).milliseconds)",
            ])
            instances[key] = Instance(process: process, cgroup: cgroup, leased: lease != nil)
            startSweeping()
            return process
        } catch {
            StdioPidsCgroup.remove(cgroup)
            if let lease { try? await lease.release(owner: key.owner, sourceID: key.sourceID) }
            throw error
        }
    }

    private static func startError(server: String, process: StdioProcess, error: any Error, timeout: Duration) -> JunctionError {
        let tail = StdioProcess.lastLines(process.stderr)
        let stderrNote = tail.isEmpty ? "" : "; its stderr ends: \(tail)"
        if case UpstreamError.timeout? = error as? UpstreamError, process.exitDescription.isEmpty || process.exitDescription.contains("signal 9") {
            return JunctionError("stdio_server_no_initialize",
                                 "stdio server \(server) did not answer initialize within \(timeout.milliseconds) ms\(stderrNote)", status: 502)
        }
        if !process.exitDescription.isEmpty {
            return JunctionError("stdio_server_exited", "stdio server \(server) \(process.exitDescription) at start-up\(stderrNote)", status: 502)
        }
        let message = (error as? any CodedError)?.message ?? "\(error)"
        return JunctionError("stdio_server_failed", "stdio server \(server) failed to start: \(message)\(stderrNote)", status: 502)
    }

    /// Stops an instance's process and cleans up after it.
    private func retire(_ key: Key, _ instance: Instance, keepLease: Bool = false) async {
        await instance.process.stop()
        StdioPidsCgroup.remove(instance.cgroup)
        if instance.leased && !keepLease, let lease { try? await lease.release(owner: key.owner, sourceID: key.sourceID) }
    }

    /// Stops idle instances, renews leases, hands over instances another host wants.
    package func sweep() async {
        let cutoff = ContinuousClock.now - settings.idleTimeout
        for (key, instance) in instances {
            guard instances[key]?.process === instance.process, instance.inFlight == 0 else { continue }
            if instance.lastUsed < cutoff {
                logger.info("stopping idle stdio instance", metadata: ["instance": "\(key)"])
                instances.removeValue(forKey: key)
                await retire(key, instance)
                continue
            }
            guard instance.leased, let lease else { continue }
            let state: (held: Bool, wanted: Bool)
            do {
                state = try await lease.renew(owner: key.owner, sourceID: key.sourceID)
                if state.held, instances[key]?.process === instance.process { instances[key]?.renewedAt = .now }
            } catch {
                // Redis away: once the lease may have expired, another host may start the
                // instance on the same data, so this one stops (when idle).
                guard ContinuousClock.now - instance.renewedAt > lease.ttl, instances[key]?.process === instance.process,
                      instances[key]?.inFlight == 0 else { continue }
                logger.warning("cannot renew the stdio lease; stopping the instance", metadata: ["instance": "\(key)", "error": "\(error)"])
                instances.removeValue(forKey: key)
                await retire(key, instance)
                continue
            }
            guard instances[key]?.process === instance.process, instances[key]?.inFlight == 0 else { continue }
            if !state.held || state.wanted {
                logger.info(state.held ? "handing stdio instance to another host" : "stdio lease lost; stopping the instance",
                            metadata: ["instance": "\(key)"])
                instances.removeValue(forKey: key)
                await retire(key, instance, keepLease: !state.held)
            }
        }
    }

    private func startSweeping() {
        guard sweeper == nil else { return }
        let ttlThird = lease.map { $0.ttl / 3 } ?? .seconds(1)
        let interval = max(.milliseconds(50), min(.seconds(1), settings.idleTimeout / 4, ttlThird))
        sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.sweep()
            }
        }
    }

    private static func fingerprint(_ server: StdioServerDeclaration, secrets: [String: String]) -> String {
        var hasher = Hasher()
        hasher.combine(server.name)
        hasher.combine(server.command)
        hasher.combine(server.args)
        hasher.combine(server.env)
        hasher.combine(server.network)
        hasher.combine(server.readOnlyPaths)
        for name in server.secrets { hasher.combine(name); hasher.combine(secrets[name]) }
        return String(hasher.finalize())
    }
}
