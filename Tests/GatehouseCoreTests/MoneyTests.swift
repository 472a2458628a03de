import Foundation
import GatehouseCore
import Testing

@Suite("Money is exact to 6 places, never via floating point")
struct MoneyTests {
    struct Body: Decodable { let amount: Money }

    private func decode(_ json: String) throws -> Money {
        try JSONDecoder().decode(Body.self, from: Data(json.utf8)).amount
    }

    @Test func wireFormatHasSixPlaces() {
        #expect(Money(string: "12")!.description == "12.000000")
        #expect(Money(string: "0.5")!.description == "0.500000")
        #expect(Money(string: "12.345678")!.description == "12.345678")
        #expect(Money(string: "-1.000001")!.description == "-1.000001")
        #expect(Money.zero.description == "0.000000")
    }

    @Test func refusesMoreThanSixPlacesAndNonDecimals() {
        #expect(Money(string: "1.0000001") == nil)
        #expect(Money(string: "1e3") == nil)
        #expect(Money(string: " 1") == nil)
        #expect(Money(string: "abc") == nil)
        #expect(Money(string: "") == nil)
    }

    @Test func decodesStringsAndNumbersExactly() throws {
        #expect(try decode(#"{"amount": "50"}"#).description == "50.000000")
        // 0.1 has no exact binary form; via Double it would not print back as 0.100000 + 0.2 = 0.3.
        let sum = try decode(#"{"amount": 0.1}"#) + decode(#"{"amount": 0.2}"#)
        #expect(sum == Money(string: "0.3")!)
        #expect(try decode(#"{"amount": 12345678.123456}"#).description == "12345678.123456")
        #expect(throws: DecodingError.self) { try decode(#"{"amount": 0.0000001}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"amount": "1.1234567"}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"amount": true}"#) }
    }

    @Test func encodesAsAString() throws {
        let data = try JSONEncoder().encode(["amount": Money(string: "7.25")!])
        #expect(String(decoding: data, as: UTF8.self) == #"{"amount":"7.250000"}"#)
    }
}
