import Foundation
import GatehouseCore

/// A signup checkout waiting for payment: the account to create when it completes.
public struct PendingSignupCheckout: Sendable, Equatable {
    public var checkoutSessionID: String
    public var email: String
    public var fullName: String
    public var tenantName: String
    public var planID: String
    public var billingCycle: BillingCycle
    public var expiresAt: Date

    public init(checkoutSessionID: String, email: String, fullName: String, tenantName: String, planID: String,
                billingCycle: BillingCycle, expiresAt: Date) {
        self.checkoutSessionID = checkoutSessionID
        self.email = email
        self.fullName = fullName
        self.tenantName = tenantName
        self.planID = planID
        self.billingCycle = billingCycle
        self.expiresAt = expiresAt
    }
}
