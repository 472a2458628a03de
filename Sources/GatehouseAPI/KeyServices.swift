import Foundation
import GatehouseAuth
import GatehouseServices
import GatehouseStore

/// What the API-key, verify and usage handlers need, handed to `GatehouseService` as one field.
struct KeyServices: Sendable {
    let format: KeyFormat
    let hasher: KeyHasher
    let hotPath: any APIKeyHotPath
    let repository: any APIKeyRepository
    /// Creation and rotation (the raw key minted once), shared with the console.
    let issuer: APIKeyService
    let usage: any UsageLogRepository
    let recorder: UsageRecorder
    let routePrices: [String: Decimal]
    let clock: @Sendable () -> Date
}
