import Foundation
import GatehouseBilling
import Testing

/// `Stripe-Signature` as Stripe computes it: checked against a vector made with Python's hmac
/// (the algorithm of Stripe's own libraries), and every way a header can be refused.
@Suite struct WebhookSignatureTests {
    let payload = Array(#"{"id":"evt_test","object":"event"}"#.utf8)
    let secret = "whsec_test_secret"
    let signedAt = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func signsAsStripeDoes() {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_secret",
        //   b"1700000000." + b"{\"id\":\"evt_test\",\"object\":\"event\"}", hashlib.sha256).hexdigest())'
        #expect(StripeWebhookSignature.sign(payload: payload, secret: secret, timestamp: signedAt)
            == "t=1700000000,v1=8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724")
    }

    @Test func acceptsItsOwnSignatureWithinTheTolerance() throws {
        let header = StripeWebhookSignature.sign(payload: payload, secret: secret, timestamp: signedAt)
        try StripeWebhookSignature.verify(payload: payload, header: header, secret: secret, now: signedAt.addingTimeInterval(299))
    }

    @Test func acceptsAnyOfSeveralV1Signatures() throws {
        let good = StripeWebhookSignature.sign(payload: payload, secret: secret, timestamp: signedAt)
        let v1 = good.split(separator: ",")[1]
        let header = "t=1700000000,v1=\(String(repeating: "ab", count: 32)),v0=ignored,\(v1)"
        try StripeWebhookSignature.verify(payload: payload, header: header, secret: secret, now: signedAt)
    }

    @Test func refusesEachBadHeaderWithItsOwnError() {
        let good = StripeWebhookSignature.sign(payload: payload, secret: secret, timestamp: signedAt)
        func failure(_ payload: [UInt8], _ header: String?, secret: String = "whsec_test_secret",
                     now: Date = Date(timeIntervalSince1970: 1_700_000_000)) -> StripeWebhookSignatureError? {
            do {
                try StripeWebhookSignature.verify(payload: payload, header: header, secret: secret, now: now)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure(payload, nil) == .missingHeader)
        #expect(failure(payload, " ") == .missingHeader)
        #expect(failure(payload, "v1=abcd") == .malformedHeader)
        #expect(failure(payload, "t=1700000000") == .noSignature)
        #expect(failure(payload + [0x20], good) == .signatureMismatch)
        #expect(failure(payload, good, secret: "whsec_other") == .signatureMismatch)
        #expect(failure(payload, "t=1700000000,v1=zz") == .signatureMismatch)
        #expect(failure(payload, good, now: signedAt.addingTimeInterval(301)) == .staleTimestamp)
        #expect(failure(payload, good, now: signedAt.addingTimeInterval(-301)) == .staleTimestamp)
    }
}
