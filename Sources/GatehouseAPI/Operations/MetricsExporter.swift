import Postgres
import Prometheus

/// Renders the app's Prometheus registry (with the database pool's gauges read now) in the text
/// exposition format, for `GET /metrics` on the API port or on `METRICS_PORT`.
struct MetricsExporter: Sendable {
    let registry: PrometheusCollectorRegistry
    let pool: PostgresPool

    private static var poolInUse: MetricNameDescriptor { .init(
        namespace: "gatehouse", subsystem: "db_pool", metricName: "connections_in_use", unitName: "",
        helpText: "Database connections leased right now") }
    private static var poolOpen: MetricNameDescriptor { .init(
        namespace: "gatehouse", subsystem: "db_pool", metricName: "connections_open", unitName: "",
        helpText: "Database connections open") }
    private static var poolWaiters: MetricNameDescriptor { .init(
        namespace: "gatehouse", subsystem: "db_pool", metricName: "waiters", unitName: "",
        helpText: "Requests waiting for a database connection") }

    func render() -> [UInt8] {
        let statistics = pool.statistics
        registry.makeGauge(descriptor: Self.poolInUse).record(Int64(statistics.inUse))
        registry.makeGauge(descriptor: Self.poolOpen).record(Int64(statistics.open))
        registry.makeGauge(descriptor: Self.poolWaiters).record(Int64(statistics.waiting))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
