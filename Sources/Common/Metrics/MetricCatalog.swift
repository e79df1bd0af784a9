/// Every metric Junction exports, with what it means (documented in `ops/docs/METRICS.md`).
/// Which process exports which is said in each help text's first words.
package enum MetricCatalog {
    /// Seconds: from a millisecond to a minute.
    static let latencyBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    /// Seconds: from 10 ms to 5 minutes (spec downloads and indexing).
    static let refreshBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

    // MARK: frontend

    package static let httpRequests = MetricDefinition(
        "junction_http_requests_total", .counter, labels: ["route", "method", "status"],
        help: "frontend: HTTP requests answered, by route pattern (never the raw path; unmatched paths are \"unmatched\"), method and status code")
    package static let httpRequestDuration = MetricDefinition(
        "junction_http_request_duration_seconds", .histogram, labels: ["route", "method"],
        help: "frontend: time from a request's arrival until its response head was ready (a streamed body is not included)",
        buckets: latencyBuckets)
    package static let rateLimitRefusals = MetricDefinition(
        "junction_rate_limit_refusals_total", .counter, labels: ["limit"],
        help: "frontend: requests refused by a limit: mcp (per-user /mcp rate), runs (per-user runs in flight), or a sign-in/OAuth throttle bucket")

    // MARK: queue

    package static let queueDepth = MetricDefinition(
        "junction_queue_depth", .gauge, labels: ["kind"],
        help: "every process with a metrics port: jobs queued and not yet taken by a consumer, across all users, sampled when scraped (one value for the whole deployment: aggregate with max)")
    package static let queueWait = MetricDefinition(
        "junction_queue_wait_seconds", .histogram, labels: ["kind"],
        help: "worker, refresher: time a job waited in the queue, from enqueue until a consumer took it",
        buckets: latencyBuckets)

    // MARK: worker

    package static let runs = MetricDefinition(
        "junction_runs_total", .counter, labels: ["tool", "outcome"],
        help: "worker: search/execute runs finished, by outcome (ok, error, timeout, cancelled, expired, lost)")
    package static let runDuration = MetricDefinition(
        "junction_run_duration_seconds", .histogram, labels: ["tool"],
        help: "worker: time a run took on the worker, from taking the job until its reply was sent", buckets: latencyBuckets)
    package static let runsInFlight = MetricDefinition(
        "junction_runs_in_flight", .gauge,
        help: "worker: runs being worked on by this process")
    package static let isolatesCreated = MetricDefinition(
        "junction_sandbox_isolates_created_total", .counter,
        help: "worker: sandbox isolates created (one per run handed to a Deno host)")
    package static let sandboxCrashes = MetricDefinition(
        "junction_sandbox_crashes_total", .counter,
        help: "worker: Deno sandbox host processes that died unexpectedly and were replaced")
    package static let upstreamCalls = MetricDefinition(
        "junction_upstream_calls_total", .counter, labels: ["source_type", "outcome"],
        help: "worker: codemode calls to upstream sources by source type (openapi, mcp) and outcome (ok, http_4xx, http_5xx, tool_error, timeout, refused, error)")
    package static let upstreamCallDuration = MetricDefinition(
        "junction_upstream_call_duration_seconds", .histogram, labels: ["source_type"],
        help: "worker: time one upstream call took, credentials and connection included", buckets: latencyBuckets)

    // MARK: refresher (and token refreshes in the worker)

    package static let refreshes = MetricDefinition(
        "junction_refreshes_total", .counter, labels: ["source_type", "outcome"],
        help: "refresher: catalog refreshes finished, by source type and outcome (ok, error, needs_sign_in)")
    package static let refreshDuration = MetricDefinition(
        "junction_refresh_duration_seconds", .histogram, labels: ["source_type"],
        help: "refresher: time one catalog refresh took (download or listing, indexing, writing)", buckets: refreshBuckets)
    package static let tokenRefreshes = MetricDefinition(
        "junction_upstream_token_refreshes_total", .counter, labels: ["outcome"],
        help: "worker, refresher: upstream OAuth access-token refreshes by outcome (ok, refused: the source needs sign-in again, error)")

    /// All of them, in the order of the reference.
    package static let all: [MetricDefinition] = [
        httpRequests, httpRequestDuration, rateLimitRefusals, queueDepth, queueWait, runs, runDuration, runsInFlight,
        isolatesCreated, sandboxCrashes, upstreamCalls, upstreamCallDuration, refreshes, refreshDuration, tokenRefreshes,
    ]

    /// By name.
    package static let byName: [String: MetricDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
