import Catalog
import Foundation
import Jobs
import JunctionCore
import JunctionMetrics
import Logging
import Runs
import Secrets
import SourceAccess
import Stdio
import Status
import Store
import Upstream

/// Refreshes one source's catalog: downloads and indexes its spec, then swaps the
/// catalog in one transaction. A failed refresh keeps the previous catalog and records
/// the error on the source. Idempotent, so the queue may deliver it more than once.
package struct RefreshJobHandler: JobHandler {
    package let database: any JunctionStore
    package let queue: JobQueue
    package let http: UpstreamHTTP
    package let box: SecretBox
    package let maxSpecBytes: Int
    /// What indexing one source may cost.
    package let limits: IndexLimits
    package let logger: Logger
    /// Access tokens of OAuth MCP sources (refreshed under the cross-process lock).
    package let oauth: MCPOAuthTokens
    /// Where failed refreshes are listed for the admin status page (nil: nowhere).
    package var failures: FailureReporter?
    /// Instances of stdio servers, started to list their tools (nil: none declared).
    package let stdio: StdioInstanceManager?

    package init(database: any JunctionStore, queue: JobQueue, http: UpstreamHTTP, box: SecretBox, maxSpecBytes: Int,
                 limits: IndexLimits = .standard, stdio: StdioInstanceManager? = nil, logger: Logger) {
        self.stdio = stdio
        self.database = database
        self.queue = queue
        self.http = http
        self.box = box
        self.maxSpecBytes = maxSpecBytes
        self.limits = limits
        self.logger = logger
        self.oauth = MCPOAuthTokens(database: database, redis: queue.redis, box: box, http: http, logger: logger)
    }

    package func handle(_ delivery: JobDelivery) async {
        let envelope = delivery.envelope
        let reply: JobReply
        do {
            let request = try envelope.parameters(as: RefreshRequest.self)
            let count = try await refresh(owner: envelope.owner, sourceID: request.sourceID)
            reply = JobReply(jobID: envelope.id, value: ["entryCount": .number(Double(count))])
        } catch let error as any CodedError {
            reply = JobReply(jobID: envelope.id, errorCode: error.code, message: error.message)
        } catch {
            logger.error("refresh failed", metadata: ["job": "\(envelope.id)", "error": "\(error)"])
            reply = JobReply(jobID: envelope.id, errorCode: "internal_error", message: "refresh failed inside Junction")
        }
        try? await queue.publishReply(reply, for: envelope)
    }

    package func handleLost(_ delivery: JobDelivery) async {
        guard let request = try? delivery.envelope.parameters(as: RefreshRequest.self) else { return }
        _ = try? await database.transitionSource(owner: delivery.envelope.owner, id: request.sourceID, to: .error,
                                         error: "refresh did not complete after \(delivery.envelope.attempt) attempts")
    }

    /// Refreshes a source; returns its entry count. Errors are recorded on the source.
    @discardableResult
    package func refresh(owner: String, sourceID: String) async throws -> Int {
        guard let source = try await database.source(owner: owner, id: sourceID) else {
            logger.info("source gone before its refresh", metadata: ["source": "\(sourceID)"])
            return 0
        }
        try await database.transitionSource(owner: owner, id: sourceID, to: .refreshing, error: source.lastError)
        let started = ContinuousClock.now
        do {
            let count = try await refreshCatalog(of: source, owner: owner, sourceID: sourceID)
            await account(source, outcome: "ok", code: nil, since: started)
            return count
        } catch {
            let needsSignIn = (error as? any CodedError).map(Self.isNeedsSignIn) ?? false
            await account(source, outcome: needsSignIn ? "needs_sign_in" : "error",
                          code: (error as? any CodedError)?.code ?? "internal_error", since: started)
            throw error
        }
    }

    /// Counts a finished refresh (`junction_refreshes_total`, `junction_refresh_duration_seconds`)
    /// and lists a failed one on the status page.
    private func account(_ source: Source, outcome: String, code: String?, since started: ContinuousClock.Instant) async {
        // A closed enum: bounded as it is.
        let type = source.type.rawValue
        MetricCatalog.refreshes.increment(["source_type": type, "outcome": outcome])
        MetricCatalog.refreshDuration.observe(ContinuousClock.now - started, ["source_type": type])
        if let code { await failures?.report(work: "refresh", detail: type, outcome: outcome, code: code) }
    }

    /// Downloads or lists, indexes and stores the catalog of `source`; on failure records
    /// the error on the source, keeping its previous catalog.
    private func refreshCatalog(of source: Source, owner: String, sourceID: String) async throws -> Int {
        do {
            let drafts: [CatalogEntryDraft]
            var warnings: [String] = []
            var spec: (@Sendable ([String: String]) -> JSONValue)?
            switch source.type {
            case .openapi:
                let secret = try await database.sourceSecret(source, box: box)
                let started = ContinuousClock.now
                let (data, finalURL) = try await SpecFetcher(http: http, maxBytes: maxSpecBytes, timeout: .seconds(60))
                    .fetch(source: source, secret: secret)
                let fetched = ContinuousClock.now
                let document = try OpenAPIDocument(data: data, limits: limits)
                let index = try OpenAPIIndexer(limits: limits).index(document, specURL: finalURL)
                if index.drafts.isEmpty { throw CatalogError.invalidSpec("the spec declares no operations") }
                if source.baseUrl == nil { try await SpecFetcher.checkServers(index, policy: http.policy) }
                drafts = index.drafts
                warnings = index.warnings
                logger.info("indexed spec", metadata: [
                    "source": "\(source.slug)", "bytes": "\(data.count)", "operations": "\(drafts.count)", "nodes": "\(index.nodes)",
                    "fetchMs": "\((fetched - started).milliseconds)", "indexMs": "\((ContinuousClock.now - fetched).milliseconds)",
                ])
                let slug = source.slug
                spec = { names in SpecCombiner.fragment(document, slug: slug, callNames: names) }
            case .mcp:
                drafts = try await MCPCatalogFetcher(database: database, http: http, box: box, oauth: oauth, logger: logger).drafts(for: source)
                if drafts.count > limits.maxOperations { throw limits.tooManyOperations(drafts.count, what: "tools") }
            case .stdio:
                drafts = try await stdioDrafts(source)
                if drafts.count > limits.maxOperations { throw limits.tooManyOperations(drafts.count, what: "tools") }
            }
            let writeStarted = ContinuousClock.now
            // The catalog is usable; what was skipped is shown where the error would be.
            let note = warnings.isEmpty ? nil : "indexed with warnings: " + warnings.joined(separator: "; ")
            let entries = try await database.replaceCatalog(owner: owner, sourceID: sourceID, drafts: drafts, spec: spec, note: note)
            logger.info("refreshed source", metadata: [
                "source": "\(source.slug)", "entries": "\(entries.count)", "writeMs": "\((ContinuousClock.now - writeStarted).milliseconds)",
            ])
            return entries.count
        } catch let error as any CodedError {
            // Keep the previous catalog; say what went wrong.
            _ = try? await database.transitionSource(owner: owner, id: sourceID,
                                                 to: Self.isNeedsSignIn(error) ? .needsSignIn : .error, error: error.message)
            throw error
        } catch {
            _ = try? await database.transitionSource(owner: owner, id: sourceID, to: .error, error: "refresh failed: \(error)")
            throw error
        }
    }

    /// Lists a stdio source's tools in the user's own instance, under the same lease as the
    /// workers' (a worker holding it warm hands it over when idle), and stops it at once:
    /// refreshers keep no instances warm.
    private func stdioDrafts(_ source: Source) async throws -> [CatalogEntryDraft] {
        guard let stdio else {
            throw JunctionError("stdio_unavailable", "this refresher runs no stdio servers (JUNCTION_STDIO_SERVERS is unset here)", status: 503)
        }
        let key = StdioInstanceManager.Key(owner: source.owner, sourceID: source.id)
        let secrets = try source.openStdioSecrets(box: box)
        do {
            let tools = try await stdio.listTools(key, server: source.stdioServer ?? "", secrets: secrets)
            await stdio.stop(key)
            logger.info("listed stdio MCP tools", metadata: ["source": "\(source.slug)", "server": "\(source.stdioServer ?? "")",
                                                             "tools": "\(tools.count)"])
            return MCPToolIndexer.drafts(tools)
        } catch {
            await stdio.stop(key)
            throw error
        }
    }

    /// Whether a refresh failed because the source's user must sign in (again).
    private static func isNeedsSignIn(_ error: any CodedError) -> Bool {
        if case .needsSignIn? = error as? UpstreamError { true } else { false }
    }
}
