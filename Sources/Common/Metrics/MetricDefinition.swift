import Metrics

/// One metric Junction exports: its Prometheus name, type, label names, help text and (for
/// histograms) bucket bounds in seconds. Every metric is one of `MetricCatalog.all`, and
/// `ops/docs/METRICS.md` documents exactly those (a test keeps the two equal).
///
/// Recording goes through the swift-metrics API (`Counter`, `Timer`, `Gauge`), so the
/// libraries do not know the backend; each executable installs `JunctionMetricsFactory`.
/// Label values must come from a bounded set: callers pass them through `MetricLabel`.
package struct MetricDefinition: Sendable, Hashable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    package let name: String
    package let kind: Kind
    /// Label names, in the order they are emitted.
    package let labels: [String]
    package let help: String
    /// Upper bounds of a histogram's buckets, in seconds; empty for counters and gauges.
    package let buckets: [Double]

    package init(_ name: String, _ kind: Kind, labels: [String] = [], help: String, buckets: [Double] = []) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
        self.buckets = buckets
    }

    package var description: String { name }

    /// The label pairs for `values`, in the definition's order. A missing value is
    /// `unknown`; a name the definition does not have is a programming error (caught in
    /// debug builds), since one family with two label sets would not aggregate.
    private func dimensions(_ values: [String: String]) -> [(String, String)] {
        assert(Set(values.keys).isSubset(of: labels), "\(name) has no label among \(Set(values.keys).subtracting(labels))")
        return labels.map { ($0, values[$0] ?? "unknown") }
    }

    /// Adds `amount` to a counter.
    package func increment(_ values: [String: String] = [:], by amount: Int64 = 1) {
        assert(kind == .counter)
        Counter(label: name, dimensions: dimensions(values)).increment(by: amount)
    }

    /// Records one observation of a histogram.
    package func observe(_ duration: Duration, _ values: [String: String] = [:]) {
        assert(kind == .histogram)
        Metrics.Timer(label: name, dimensions: dimensions(values)).record(duration: duration)
    }

    /// Sets a gauge.
    package func set(_ value: Double, _ values: [String: String] = [:]) {
        assert(kind == .gauge)
        Gauge(label: name, dimensions: dimensions(values)).record(value)
    }
}
