import Hummingbird
import Prometheus

/// Counts requests by method, route template and status, and times them, straight into the
/// app's Prometheus registry (no global metrics bootstrap, so tests can build many apps).
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let series: HTTPMetricSeries

    init(registry: PrometheusCollectorRegistry) {
        self.series = HTTPMetricSeries(registry: registry)
    }

    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    static var requests: MetricNameDescriptor { .init(
        namespace: "http", metricName: "requests", unitName: "total",
        helpText: "HTTP requests by method, route template and status") }
    static var duration: MetricNameDescriptor { .init(
        namespace: "http", metricName: "request_duration", unitName: "seconds",
        helpText: "HTTP request latency by method and route template") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        // Unknown routes share one label so random paths cannot blow up the series count.
        let route = context.endpointPath ?? "unmatched"
        series.requests(method: request.method, route: route, status: Int(response.status.code)).increment()
        series.duration(method: request.method, route: route).recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        return response
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
