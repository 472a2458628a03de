import Foundation
import GatehouseBilling
import Synchronization

/// The test's webhook endpoint: keeps every delivery (body and `Stripe-Signature`) and answers
/// 500 to the first `failFirst` deliveries of each event, then 200.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let payload: [UInt8]
        let signature: String?
        let answered: Int
        var event: StripeEvent? { try? StripeEvent.parse(payload) }
    }

    private let failFirst: Int
    private let state = Mutex<[Delivery]>([])

    init(failFirst: Int) {
        self.failFirst = failFirst
    }

    /// Records a delivery and returns the status to answer.
    func receive(payload: [UInt8], signature: String?) -> Int {
        let eventID = (try? StripeEvent.parse(payload))?.id
        return state.withLock { deliveries in
            let earlier = deliveries.filter { $0.event?.id == eventID }.count
            let status = earlier < failFirst ? 500 : 200
            deliveries.append(Delivery(payload: payload, signature: signature, answered: status))
            return status
        }
    }

    /// Every delivery of `eventID`, in arrival order.
    func deliveries(of eventID: String) -> [Delivery] {
        state.withLock { $0.filter { $0.event?.id == eventID } }
    }

    var all: [Delivery] { state.withLock { $0 } }
}
