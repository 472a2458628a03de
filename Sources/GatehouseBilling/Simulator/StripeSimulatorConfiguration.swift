import Foundation

extension StripeSimulator {
    /// How a simulator is reached and where it sends its webhooks.
    public struct Configuration: Sendable {
        /// The server's public base URL (`http://127.0.0.1:8080`): the pages' links and the
        /// `url` of checkout and portal sessions start with it.
        public var publicBaseURL: String
        /// Where the simulator's routes live on the router (`/stripe-sim`): its API is
        /// `<prefix>/v1/…`, its pages `<prefix>/checkout/{id}` and `<prefix>/portal/{id}`.
        public var pathPrefix: String
        /// The endpoint every event is POSTed to (nil: events are only listed, not sent).
        public var webhookURL: String?
        /// The endpoint's signing secret (`whsec_…`); required with `webhookURL`.
        public var webhookSecret: String?
        /// Real time: objects not on a test clock live at this clock's time.
        public var clock: @Sendable () -> Date
        /// Delivery attempts per event before it is marked `failed`.
        public var webhookMaxAttempts: Int
        /// The delay before the first redelivery; it doubles after each failure (at most an hour).
        public var webhookRetryBaseDelay: Duration
        /// Time allowed for the endpoint to answer one delivery.
        public var webhookTimeout: Duration
        /// How often the worker looks for due deliveries and renewals (it is also woken at once
        /// by this process's own changes).
        public var pollInterval: Duration
        /// The `api_version` written into events.
        public var apiVersion: String

        public init(
            publicBaseURL: String,
            pathPrefix: String = "/stripe-sim",
            webhookURL: String? = nil,
            webhookSecret: String? = nil,
            clock: @escaping @Sendable () -> Date = { Date() },
            webhookMaxAttempts: Int = 8,
            webhookRetryBaseDelay: Duration = .seconds(2),
            webhookTimeout: Duration = .seconds(10),
            pollInterval: Duration = .seconds(1),
            apiVersion: String = StripeClient.defaultStripeVersion
        ) {
            var base = publicBaseURL
            while base.hasSuffix("/") { base.removeLast() }
            var prefix = pathPrefix.hasPrefix("/") ? pathPrefix : "/" + pathPrefix
            while prefix.count > 1 && prefix.hasSuffix("/") { prefix.removeLast() }
            self.publicBaseURL = base
            self.pathPrefix = prefix
            self.webhookURL = webhookURL
            self.webhookSecret = webhookSecret
            self.clock = clock
            self.webhookMaxAttempts = max(1, webhookMaxAttempts)
            self.webhookRetryBaseDelay = webhookRetryBaseDelay
            self.webhookTimeout = webhookTimeout
            self.pollInterval = pollInterval
            self.apiVersion = apiVersion
        }

        /// What `StripeClient.apiBase` should be to talk to this simulator.
        public var apiBase: URL { URL(string: publicBaseURL + pathPrefix)! }
    }
}
