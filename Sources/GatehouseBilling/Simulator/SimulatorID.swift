/// Stripe-looking object ids: a prefix and random base-62 characters (`cus_Qx8…`).
/// Random enough to be unguessable, which the checkout and portal pages rely on.
enum SimulatorID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static func make(_ prefix: String, length: Int = 24) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + "_" + String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
