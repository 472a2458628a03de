import Hummingbird
import Prometheus
import Synchronization

/// The request counters and latency histograms of the routes seen so far, kept so a request
/// does not build metric names and label arrays and go through the registry's own lookup each
/// time: after the first request of a route and status, recording is one dictionary lookup
/// (under a short lock; the series set stops growing once every route has been seen).
final class HTTPMetricSeries: Sendable {
    private struct CounterKey: Hashable {
        var method: HTTPRequest.Method
        var route: String
        var status: Int
    }

    private struct HistogramKey: Hashable {
        var method: HTTPRequest.Method
        var route: String
    }

    private let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[CounterKey: Counter]>([:])
    private let histograms = Mutex<[HistogramKey: DurationHistogram]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func requests(method: HTTPRequest.Method, route: String, status: Int) -> Counter {
        let key = CounterKey(method: method, route: route, status: status)
        if let counter = counters.withLock({ $0[key] }) { return counter }
        // Registry calls happen outside our lock; it returns the same series for the same labels.
        let counter = registry.makeCounter(
            descriptor: HTTPMetricsMiddleware.requests,
            labels: [("method", method.rawValue), ("route", route), ("status", String(status))])
        counters.withLock { $0[key] = counter }
        return counter
    }

    func duration(method: HTTPRequest.Method, route: String) -> DurationHistogram {
        let key = HistogramKey(method: method, route: route)
        if let histogram = histograms.withLock({ $0[key] }) { return histogram }
        let histogram = registry.makeDurationHistogram(
            descriptor: HTTPMetricsMiddleware.duration,
            labels: [("method", method.rawValue), ("route", route)],
            buckets: HTTPMetricsMiddleware.buckets)
        histograms.withLock { $0[key] = histogram }
        return histogram
    }
}
