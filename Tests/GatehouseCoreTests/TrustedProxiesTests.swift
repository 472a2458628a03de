import GatehouseCore
import Testing

@Suite("Client addresses: parsing, CIDR blocks, X-Forwarded-For behind trusted proxies")
struct TrustedProxiesTests {
    @Test func addressesParseAndPrintCanonically() {
        #expect(IPAddress("203.0.113.7")?.description == "203.0.113.7")
        #expect(IPAddress("2001:DB8:0:0::1")?.description == "2001:db8::1")
        #expect(IPAddress("[2001:db8::1]")?.description == "2001:db8::1")
        #expect(IPAddress("fe80::1%eth0")?.description == "fe80::1")
        // An IPv4-mapped IPv6 address is the IPv4 client.
        #expect(IPAddress("::ffff:198.51.100.4") == IPAddress("198.51.100.4"))
        for garbage in ["", "unknown", "1.2.3", "1.2.3.4.5", "300.1.1.1", "1.2.3.4:80", "_hidden", "2001:db8::g"] {
            #expect(IPAddress(garbage) == nil, "\(garbage)")
        }
    }

    @Test func ipv6ClientsAreKeyedByTheirSlash64() {
        #expect(IPAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd")?.clientKey == "2001:db8:1:2::/64")
        #expect(IPAddress("2001:db8:1:2::1")?.clientKey == "2001:db8:1:2::/64")
        #expect(IPAddress("2001:db8:1:3::1")?.clientKey == "2001:db8:1:3::/64")
        #expect(IPAddress("203.0.113.7")?.clientKey == "203.0.113.7")
    }

    @Test func networksContainWhatTheirPrefixCovers() throws {
        let ten = try #require(IPNetwork("10.0.0.0/8"))
        #expect(ten.contains(IPAddress("10.255.1.2")!))
        #expect(!ten.contains(IPAddress("11.0.0.1")!))
        #expect(!ten.contains(IPAddress("::ffff:11.0.0.1")!))
        #expect(IPNetwork("192.168.1.77/24")?.description == "192.168.1.0/24")
        #expect(IPNetwork("10.0.0.1")?.prefixLength == 32)
        #expect(IPNetwork("fd00::/8")!.contains(IPAddress("fd12::1")!))
        #expect(!IPNetwork("fd00::/8")!.contains(IPAddress("10.0.0.1")!))
        for garbage in ["10.0.0.0/33", "10.0.0.0/", "/8", "::/129", "10.0.0.0/8/8", "x/8"] {
            #expect(IPNetwork(garbage) == nil, "\(garbage)")
        }
    }

    @Test func theClientIsTheRightMostUntrustedHop() throws {
        let proxies = try TrustedProxies.parse("10.0.0.0/8, 127.0.0.1").get()
        let peer = IPAddress("127.0.0.1")!
        func client(_ headers: [String], peer: IPAddress = IPAddress("127.0.0.1")!) -> String {
            proxies.client(peer: peer, forwardedFor: headers).description
        }
        // Left of the client is whatever the client wrote: never believed.
        #expect(client(["1.1.1.1, 203.0.113.9, 10.0.0.5"]) == "203.0.113.9")
        #expect(client(["1.1.1.1", "203.0.113.9", "10.0.0.5"]) == "203.0.113.9")
        #expect(client([]) == "127.0.0.1")
        // Every hop trusted: the left-most.
        #expect(client(["10.0.0.9, 10.0.0.5"]) == "10.0.0.9")
        // An unreadable hop ends the walk at the trusted hop to its right.
        #expect(client(["203.0.113.9, garbage, 10.0.0.5"]) == "10.0.0.5")
        // An untrusted peer is the client, whatever it sends.
        #expect(client(["203.0.113.9"], peer: IPAddress("198.51.100.1")!) == "198.51.100.1")
        #expect(proxies.trusts(peer))
        #expect(throws: TrustedProxies.ParseError.self) { try TrustedProxies.parse("10.0.0.0/8, nonsense").get() }
    }
}
