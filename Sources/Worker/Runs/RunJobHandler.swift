import Catalog
import Foundation
import Jobs
import JunctionCore
import JunctionMetrics
import JunctionTracing
import Logging
import Runs
import Secrets
import Status
import Store
import Synchronization
import Tracing

/// Runs `search` and `execute` jobs in the sandbox, performs their calls on the host,
/// answers the waiting frontend and writes the execution log.
package struct RunJobHandler: JobHandler {
    package let database: any JunctionStore
    package let queue: JobQueue
    package let pool: SandboxPool
    package let caller: OpenAPICaller
    package let mcp: MCPCaller
    package let box: SecretBox
    package let maxOutputChars: Int
    package let limits: RunLimits
    package let logger: Logger
    /// Where failed runs are listed for the admin status page (nil: nowhere).
    package var failures: FailureReporter?
    private let cancels: CancelWatcher

    package init(database: any JunctionStore, queue: JobQueue, pool: SandboxPool, caller: OpenAPICaller, mcp: MCPCaller? = nil, box: SecretBox,
                 maxOutputChars: Int = 24_000, limits: RunLimits = RunLimits(), logger: Logger) {
        self.database = database
        self.queue = queue
        self.pool = pool
        self.caller = caller
        self.mcp = mcp ?? MCPCaller(database: database, http: caller.http, pool: MCPSessionPool(logger: logger), logger: logger)
        self.box = box
        self.maxOutputChars = maxOutputChars
        self.limits = limits
        self.logger = logger
        self.cancels = CancelWatcher(queue: queue)
    }

    package func handle(_ delivery: JobDelivery) async {
        let envelope = delivery.envelope
        let started = ContinuousClock.now
        let queuedMs = Int64(Date().timeIntervalSince1970 * 1000) - envelope.createdAt
        let result: RunResult
        var request: RunRequest?
        let cancelled = CancelFlag()
        var progress: RunProgress?
        do {
            let req = try envelope.parameters(as: RunRequest.self)
            request = req
            let reporter = req.progress ? envelope.replyTo.map { RunProgress(queue: queue, jobID: envelope.id, frontend: $0) } : nil
            progress = reporter
            result = try await runCancellable(jobID: envelope.id, flag: cancelled) { gate, cancellation in
                try await run(req, owner: envelope.owner, deadline: envelope.deadline, progress: reporter, gate: gate,
                              cancellation: cancellation)
            }
        } catch let error as any CodedError {
            result = .error(error.message, code: error.code)
        } catch {
            logger.error("run failed", metadata: ["job": "\(envelope.id)", "error": "\(error)"])
            result = .error("internal error", code: "internal_error")
        }
        await progress?.finish()
        do { try await queue.publishRunResult(result, for: envelope) } catch {
            logger.error("cannot publish reply", metadata: ["job": "\(envelope.id)", "error": "\(error)"])
        }
        logger.debug("run finished", metadata: [
            "job": "\(envelope.id)", "queuedMs": "\(queuedMs)",
            "runMs": "\((ContinuousClock.now - started).milliseconds)",
        ])
        await writeLog(envelope: envelope, request: request, result: result, duration: ContinuousClock.now - started,
                 status: cancelled.isSet ? "cancelled" : nil)
        await account(tool: request?.tool.rawValue ?? "unknown", result: result, cancelled: cancelled.isSet,
                      duration: ContinuousClock.now - started)
    }

    /// Counts a finished run (`junction_runs_total`, `junction_run_duration_seconds`) and
    /// lists it on the status page when it failed.
    private func account(tool: String, result: RunResult, cancelled: Bool, duration: Duration?) async {
        let tool = MetricLabel.oneOf(tool, ["execute", "search"])
        let outcome = Self.outcome(of: result, cancelled: cancelled)
        MetricCatalog.runs.increment(["tool": tool, "outcome": outcome])
        if let duration { MetricCatalog.runDuration.observe(duration, ["tool": tool]) }
        if outcome != "ok" {
            await failures?.report(work: "run", detail: tool, outcome: outcome, code: Self.shownCode(result.structured["error"]?["name"]?.stringValue))
        }
    }

    /// What the status page may show of a failed run's error name: a standard JavaScript or
    /// sandbox error name, or a Junction error code (lower-case words joined by `_`);
    /// anything else (a name the user's code chose) is `other`.
    static func shownCode(_ name: String?) -> String {
        guard let name else { return "" }
        if standardErrorNames.contains(name) { return name }
        let words = name.split(separator: "_", omittingEmptySubsequences: false)
        let junction = name.count <= 40 && !words.isEmpty && words.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("a"..."z").contains($0) } }
        return junction ? name : "other"
    }

    static let standardErrorNames: Set<String> = [
        "Error", "TypeError", "RangeError", "ReferenceError", "SyntaxError", "URIError", "EvalError", "AggregateError",
        "TimeoutError", "AbortError", "NotCapable", "Cancelled", "SandboxCrashed", "SandboxUnavailable", "UpstreamError",
    ]

    /// `ok`, `error`, `timeout` (the wall-time limit), `cancelled`, `expired` or `lost`.
    static func outcome(of result: RunResult, cancelled: Bool) -> String {
        if cancelled { return "cancelled" }
        guard result.isError, let error = result.structured["error"] else { return "ok" }
        if error["limit"]?.stringValue == "wallTime" { return "timeout" }
        switch error["name"]?.stringValue {
        case "cancelled"?, "Cancelled"?: return "cancelled"
        case "expired"?: return "expired"
        case "run_lost"?: return "lost"
        default: return "error"
        }
    }

    /// Runs `body` until it ends or the run's caller asks to cancel it (the cancel key
    /// appears in Redis): then `body`'s `SandboxCancellation` stops the sandbox isolate,
    /// and with it any upstream calls in flight. (`body` runs in this task: a task of its
    /// own, to cancel, cost every run a task start and a join.) The keys of all runs in
    /// flight are polled together (`CancelWatcher`); only the check before starting is
    /// per run.
    ///
    /// That check (was the run cancelled while queued?) is not waited for before the code
    /// starts: it travels to Redis while the isolate runs, and `body` gets it as `gate`,
    /// which every upstream call awaits first. So a run cancelled while queued never makes
    /// a call, and its answer is "cancelled before it started", but a run that was not
    /// does not pay a Redis round trip before its code starts.
    private func runCancellable(jobID: String, flag: CancelFlag,
                                _ body: (StartGate, SandboxCancellation) async throws -> RunResult) async throws -> RunResult {
        let cancellation = SandboxCancellation()
        let gate = StartGate(Task { [queue] in
            let cancelled = (try? await queue.isCancelRequested(jobID: jobID)) == true
            if cancelled { cancellation.cancel() }
            return cancelled
        })
        cancels.watch(jobID: jobID) { [logger] in
            flag.set()
            logger.info("cancelling run at its caller's request", metadata: ["job": "\(jobID)"])
            cancellation.cancel()
        }
        defer { cancels.unwatch(jobID: jobID) }
        let result = try await body(gate, cancellation)
        if await gate.cancelledBeforeStart {
            flag.set()
            return .error("the run was cancelled before it started", code: "cancelled")
        }
        if flag.isSet {
            var structured = result.structured
            if case .object(var o) = structured {
                o["error"] = ["name": "Cancelled", "message": "the run was cancelled by its caller (the client closed the stream or sent notifications/cancelled)"]
                o.removeValue(forKey: "result")
                structured = .object(o)
            }
            return RunResult(isError: true, structured: structured)
        }
        return result
    }

    package func handleLost(_ delivery: JobDelivery) async {
        let envelope = delivery.envelope
        let reply = JobReply.lost(jobID: envelope.id)
        try? await queue.publishReply(reply, for: envelope)
        await writeLog(envelope: envelope, request: try? envelope.parameters(as: RunRequest.self),
                 result: .error(reply.errorMessage ?? "lost", code: "run_lost"), duration: .zero, status: "lost")
        await account(tool: (try? envelope.parameters(as: RunRequest.self))?.tool.rawValue ?? "unknown",
                      result: .error("lost", code: "run_lost"), cancelled: false, duration: nil)
    }

    private func run(_ request: RunRequest, owner: String, deadline: Int64?, progress: RunProgress?, gate: StartGate,
                     cancellation: SandboxCancellation) async throws -> RunResult {
        var timeout = Duration.milliseconds(request.timeoutMs)
        if let deadline {
            let remaining = Duration.milliseconds(deadline - Int64(Date().timeIntervalSince1970 * 1000))
            timeout = min(timeout, remaining)
            if timeout <= .zero { return .error("the run's deadline passed before it started", code: "expired") }
        }
        let recorder = CallRecorder()
        let attachments = RunAttachments(limits: limits.attachments)
        let functions: [String]?
        var listing: SandboxListing?
        let handler: SandboxCallHandler
        switch request.tool {
        case .execute:
            // Any name may be called; `perform` looks it up in this owner's catalog. The
            // search helpers work here too (call names always have a source prefix, so
            // they never shadow one), so a model can search and call in one run.
            functions = nil
            if SandboxListing.wanted(by: request.code), let names = try? await database.enabledCallNames(owner: owner) {
                listing = SandboxListing(allNames: names)
            }
            let budget = CallBudget(limits: limits)
            handler = { name, args in
                if await gate.cancelledBeforeStart { return .failure(StartGate.refusal) }
                if let refusal = budget.admit() { return .failure(refusal) }
                // Promise.all works, but only `maxConcurrentCallsPerRun` calls are in flight.
                await budget.slots.acquire()
                defer { budget.slots.release() }
                let started = ContinuousClock.now
                progress?.report("calling \(name)")
                let result = Self.searchFunctions.contains(name)
                    ? await self.searchCall(owner: owner, name: name, args: args)
                    : await self.perform(owner: owner, name: name, args: args, attachments: attachments)
                let ok = (try? result.get()) != nil
                recorder.record(name: name, ok: ok, started: started)
                progress?.report("\(name) \(ok ? "finished" : "failed") in \((ContinuousClock.now - started).milliseconds) ms")
                return result
            }
        case .search:
            functions = Self.searchFunctions
            handler = { name, args in
                if await gate.cancelledBeforeStart { return .failure(StartGate.refusal) }
                return await self.searchCall(owner: owner, name: name, args: args)
            }
        }
        progress?.report("started")
        // The owner decides the host: a host serves one user at a time (SandboxScheduler).
        let outcome = await Traces.withSpan("sandbox \(request.tool.rawValue)") { span in
            let outcome = await pool.run(owner: owner, code: request.code, functions: functions, listing: listing, timeout: timeout,
                                         cancellation: cancellation, handler: span == nil ? handler : Self.traced(handler))
            if !outcome.ok { span?.setStatus(SpanStatus(code: .error, message: outcome.errorName)) }
            return outcome
        }
        let calls = JSONValue.array(recorder.all)
        if outcome.ok {
            let (shown, blocks) = attachments.attach(to: outcome.result)
            return RunResult(isError: false, structured: ["result": capped(shown), "logs": .array(outcome.logs.map { .string($0) }), "calls": calls],
                             attachments: blocks)
        }
        var error: [String: JSONValue] = ["name": .string(outcome.errorName ?? "Error"), "message": .string(outcome.errorMessage ?? "the code failed")]
        if let line = outcome.errorLine { error["line"] = .number(Double(line)) }
        if outcome.timedOut { error["limit"] = "wallTime" }
        return RunResult(isError: true, structured: ["error": .object(error), "logs": .array(outcome.logs.map { .string($0) }), "calls": calls])
    }

    /// `handler` with a client span around each call, a child of the current (sandbox)
    /// span whichever task the sandbox's messages arrive on; the upstream request made
    /// inside carries that span's `traceparent`.
    private static func traced(_ handler: @escaping SandboxCallHandler) -> SandboxCallHandler {
        let parent = ServiceContext.current
        return { name, args in
            await Traces.withSpan("codemode.\(name)", context: parent, ofKind: .client) { span in
                span?.attributes["junction.call"] = name
                let result = await handler(name, args)
                if case .failure(let error) = result { span?.setStatus(SpanStatus(code: .error, message: error.code)) }
                return result
            }
        }
    }

    /// The helpers of `search`, also callable in `execute`.
    static let searchFunctions = CatalogSearch.helpers

    /// Cuts an oversized result to a preview that is still valid JSON and says so.
    private func capped(_ value: JSONValue) -> JSONValue {
        let text = value.jsonString()
        guard text.count > maxOutputChars else { return value }
        return ["truncated": true, "originalChars": .number(Double(text.count)),
                "preview": .string(String(text.prefix(maxOutputChars - 400))),
                "hint": .string("The result was longer than \(maxOutputChars) characters. Return only the fields you need, filter or slice arrays in your code, or page through the upstream API.")]
    }

    private func perform(owner: String, name: String, args: JSONValue, attachments: RunAttachments) async -> Result<JSONValue, JunctionError> {
        do {
            guard let (entry, source) = try await database.callable(owner: owner, callName: name) else {
                return .failure(CatalogSearch.unknownName("codemode.\(name) is not a function of your enabled sources", name: name,
                                                          pool: await suggestionPool(owner: owner, name: name)))
            }
            let started = ContinuousClock.now
            let type = source.type.rawValue
            do {
                let value: JSONValue
                switch source.type {
                case .stdio:
                    value = try await mcp.callStdio(entry: entry, source: source, secrets: try source.openStdioSecrets(box: box),
                                                    args: args, attachments: attachments)
                case .mcp:
                    let secret = try await database.sourceSecret(source, box: box)
                    value = try await mcp.call(entry: entry, source: source, secret: secret, args: args, attachments: attachments)
                case .openapi:
                    let secret = try await database.sourceSecret(source, box: box)
                    value = try await caller.call(entry: entry, source: source, secret: secret, args: args)
                }
                Self.countCall(type: type, outcome: Self.callOutcome(value, type: source.type), since: started)
                return .success(value)
            } catch {
                Self.countCall(type: type, outcome: Self.callOutcome(error), since: started)
                throw error
            }
        } catch let error as any CodedError {
            return .failure(JunctionError(error))
        } catch {
            logger.error("upstream call failed", metadata: ["call": "\(name)", "error": "\(error)"])
            return .failure(JunctionError("internal_error", "the call failed inside Junction"))
        }
    }

    /// `type` is a `SourceType`'s raw value: a closed set.
    private static func countCall(type: String, outcome: String, since started: ContinuousClock.Instant) {
        MetricCatalog.upstreamCalls.increment(["source_type": type, "outcome": outcome])
        MetricCatalog.upstreamCallDuration.observe(ContinuousClock.now - started, ["source_type": type])
    }

    /// An answered call: `ok`, or for OpenAPI `http_4xx`/`http_5xx` by the upstream's status.
    static func callOutcome(_ value: JSONValue, type: SourceType) -> String {
        guard type == .openapi, let status = value["status"]?.intValue else { return "ok" }
        return status >= 500 ? "http_5xx" : status >= 400 ? "http_4xx" : "ok"
    }

    /// A failed call: `tool_error`, `timeout`, `refused` (the outbound policy or the secret's
    /// origin said no) or `error`.
    static func callOutcome(_ error: any Error) -> String {
        switch (error as? any CodedError)?.code {
        case "tool_error"?: "tool_error"
        case "upstream_timeout"?: "timeout"
        case "outbound_forbidden"?, "secret_origin_mismatch"?, "source_needs_secret"?: "refused"
        default: "error"
        }
    }

    /// Candidates for "did you mean": names of the source the name points at, else all.
    private func suggestionPool(owner: String, name: String) async -> [String] {
        if let underscore = name.firstIndex(of: "_"),
           let same = try? await database.enabledCallNames(owner: owner, prefix: String(name[...underscore])), !same.isEmpty {
            return same
        }
        return (try? await database.enabledCallNames(owner: owner)) ?? []
    }

    private func searchCall(owner: String, name: String, args: JSONValue) async -> Result<JSONValue, JunctionError> {
        do {
            switch name {
            case "catalog":
                let hits = try await database.searchCatalog(owner: owner, query: try CatalogSearch.query(json: args))
                return .success(.array(hits.map(CatalogSearch.codemodeHit)))
            case "describe":
                let callName = try CatalogSearch.describedName(args)
                guard let (entry, source) = try await database.callable(owner: owner, callName: callName) else {
                    return .failure(CatalogSearch.unknownName("no function named \(callName)", name: callName,
                                                              pool: await suggestionPool(owner: owner, name: callName)))
                }
                return .success(CatalogSearch.description(
                    callName: entry.callName, source: source.slug, kind: entry.kind.rawValue, title: entry.title,
                    description: entry.description, declaration: entry.declaration, inputSchema: entry.inputSchema,
                    outputSchema: entry.outputSchema, deprecated: entry.deprecated, method: entry.method, path: entry.path))
            case "spec":
                return .success(try await database.combinedSpec(owner: owner))
            case "sources":
                let iso = ISO8601DateFormatter()
                return await .success(.array(try database.sources(owner: owner).map { s in
                    ["slug": .string(s.slug), "type": .string(s.type.rawValue), "name": .string(s.name), "enabled": .bool(s.enabled),
                     "status": .string(s.status.rawValue), "entryCount": .number(Double(s.entryCount)),
                     "lastRefreshAt": s.lastRefreshAt.map { .string(iso.string(from: $0)) } ?? .null,
                     "lastError": s.lastError.map { .string($0) } ?? .null]
                }))
            default:
                return .failure(.notFound("codemode.\(name) is not available in search; use catalog, describe, spec or sources"))
            }
        } catch let error as any CodedError {
            return .failure(JunctionError(error))
        } catch {
            logger.error("search call failed", metadata: ["call": "\(name)", "error": "\(error)"])
            return .failure(JunctionError("internal_error", "search failed inside Junction"))
        }
    }

    private func writeLog(envelope: JobEnvelope, request: RunRequest?, result: RunResult, duration: Duration, status: String? = nil) async {
        let preview = result.structured["result"].map { String($0.jsonString().prefix(2000)) }
        let error = result.structured["error"].map { String($0.jsonString().prefix(2000)) }
        let log = ExecutionLog(id: envelope.id, owner: envelope.owner, tool: request?.tool.rawValue ?? "unknown",
                               code: String((request?.code ?? "").prefix(100_000)), status: status ?? (result.isError ? "error" : "ok"),
                               durationMs: duration.milliseconds, calls: (result.structured["calls"] ?? []).jsonString(),
                               resultPreview: preview, error: error, createdAt: Date())
        do { try await database.insertExecution(log) } catch {
            logger.error("cannot write execution log", metadata: ["job": "\(envelope.id)", "error": "\(error)"])
        }
    }
}

/// Whether a run was cancelled while it was still queued, as learnt from Redis while the
/// run is already starting. Upstream calls wait for it.
struct StartGate: Sendable {
    private let check: Task<Bool, Never>

    init(_ check: Task<Bool, Never>) { self.check = check }

    var cancelledBeforeStart: Bool { get async { await check.value } }

    static let refusal = JunctionError("cancelled", "the run was cancelled before it started")
}
