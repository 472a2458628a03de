import Foundation
import GatehouseAuth
import GatehouseStore

/// What the API-key, verify and usage handlers need, handed to `GatehouseService` as one field.
struct KeyServices: Sendable {
    let format: KeyFormat
    let hasher: KeyHasher
    let hotPath: any APIKeyHotPath
    let repository: any APIKeyRepository
    let usage: any UsageLogRepository
    let recorder: UsageRecorder
    let routePrices: [String: Decimal]
    let clock: @Sendable () -> Date
}
