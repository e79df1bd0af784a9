import CoreMetrics
import Prometheus
import Synchronization

/// The swift-metrics backend of every Junction process: a swift-prometheus registry whose
/// families carry the help text and buckets of their `MetricCatalog` definition. A metric
/// not in the catalog (from a dependency) is exported too, without help, with default buckets.
package struct JunctionMetricsFactory: MetricsFactory {
    package let registry: PrometheusCollectorRegistry

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The process's registry, installed as the swift-metrics backend on first use; every
    /// later call returns the same one (swift-metrics can be bootstrapped once per process).
    package static var shared: PrometheusCollectorRegistry { installed.registry }

    private static let installed: JunctionMetricsFactory = {
        let factory = JunctionMetricsFactory(registry: PrometheusCollectorRegistry())
        MetricsSystem.bootstrap(factory)
        return factory
    }()

    /// Installs the backend (idempotent); call once at start-up so metrics recorded before
    /// the first scrape are kept.
    package static func bootstrap() { _ = installed }

    /// The registry's content in Prometheus's text exposition format (0.0.4).
    package static func exposition() -> [UInt8] { shared.emitToBuffer() }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricCatalog.byName[label]?.help ?? "")
    }

    private func seconds(_ label: String) -> [Duration] {
        let bounds = MetricCatalog.byName[label]?.buckets ?? []
        return (bounds.isEmpty ? MetricCatalog.latencyBuckets : bounds).map { .nanoseconds(Int64(($0 * 1e9).rounded())) }
    }

    package func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    package func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    package func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        let bounds = MetricCatalog.byName[label]?.buckets ?? []
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions,
                                           buckets: bounds.isEmpty ? MetricCatalog.latencyBuckets : bounds)
    }

    package func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    package func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: seconds(label))
    }

    package func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    package func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    package func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    package func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    package func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
