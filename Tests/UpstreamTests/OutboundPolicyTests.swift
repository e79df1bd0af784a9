import AsyncHTTPClient
import Foundation
import JunctionCore
import Upstream
import XCTest

/// The SSRF classifier, exhaustively, and the policy's scheme rules.
final class OutboundPolicyTests: XCTestCase {
    func testEveryAddressClass() {
        let table: [(String, IPAddress.Classification)] = [
            ("8.8.8.8", .public), ("1.1.1.1", .public), ("93.184.216.34", .public), ("2606:4700::1111", .public),
            ("2a00:1450:4001:80b::200e", .public),
            ("127.0.0.1", .loopback), ("127.255.255.254", .loopback), ("::1", .loopback),
            ("10.0.0.1", .private), ("10.255.255.255", .private), ("172.16.0.1", .private), ("172.31.255.255", .private),
            ("192.168.1.1", .private), ("172.32.0.1", .public), ("172.15.255.255", .public),
            ("169.254.1.1", .linkLocal), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
            ("100.64.0.1", .cgnat), ("100.127.255.255", .cgnat), ("100.128.0.1", .public),
            ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
            ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
            ("fc00::1", .uniqueLocal), ("fd12:3456::1", .uniqueLocal),
            ("169.254.169.254", .metadata), ("169.254.170.2", .metadata), ("100.100.100.200", .metadata),
            ("fd00:ec2::254", .metadata), ("192.0.0.192", .metadata),
            ("255.255.255.255", .reserved), ("240.0.0.1", .reserved), ("192.0.2.1", .reserved), ("198.51.100.7", .reserved),
            ("203.0.113.9", .reserved), ("198.18.0.1", .reserved), ("2001:db8::1", .reserved), ("fec0::1", .reserved),
            ("2001:0:4136:e378::1", .reserved), ("100::1", .reserved), ("64:ff9b:1::a00:1", .reserved),
            // IPv4 carried inside IPv6 takes the class of the IPv4 address.
            ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.1", .private), ("::ffff:169.254.169.254", .metadata),
            ("::ffff:192.168.0.1", .private), ("::ffff:8.8.8.8", .public), ("::ffff:7f00:1", .loopback),
            ("::127.0.0.1", .loopback), ("::10.1.2.3", .private), ("64:ff9b::10.0.0.1", .private), ("64:ff9b::8.8.8.8", .public),
            ("2002:7f00:1::1", .loopback), ("2002:a9fe:a9fe::", .metadata), ("2002:0808:0808::1", .public),
        ]
        for (text, expected) in table {
            guard let address = IPAddress(text) else { XCTFail("cannot parse \(text)"); continue }
            XCTAssertEqual(address.classification, expected, text)
        }
    }

    func testPolicyRefusesNonPublicHostsAndPlainHTTP() async throws {
        let production = OutboundPolicy(allowLoopbackHTTP: false)
        let dev = OutboundPolicy(allowLoopbackHTTP: true)
        let refusedEverywhere = [
            "http://10.0.0.1/", "https://10.0.0.1/", "https://169.254.169.254/latest/meta-data", "https://[::ffff:10.0.0.1]/",
            "https://[fd00::1]/", "https://[fe80::1]/", "https://0.0.0.0/", "https://100.64.1.1/", "https://224.0.0.1/",
            "ftp://example.com/", "file:///etc/passwd", "https://user:pw@127.0.0.1/", "https://[::ffff:169.254.169.254]/",
            // Shorthand IPv4 forms are resolved, not trusted by their spelling.
            "https://10.1/", "https://0xa9.0xfe.0xa9.0xfe/",
        ]
        for text in refusedEverywhere {
            for policy in [production, dev] {
                do {
                    try await policy.check(URL(string: text)!)
                    XCTFail("\(text) was allowed (dev: \(policy.allowLoopbackHTTP))")
                } catch let error as any CodedError {
                    XCTAssertEqual(error.code, "outbound_forbidden", "\(text): \(error)")
                }
            }
        }
        for text in ["http://127.0.0.1:1/", "https://[::1]/", "http://localhost/", "https://2130706433/", "http://0x7f.1/"] {
            do { try await production.check(URL(string: text)!); XCTFail("\(text) allowed in production") } catch {}
            try await dev.check(URL(string: text)!)
        }
        // Public but plain http: refused in both modes. (Literal, so no DNS is needed.)
        for policy in [production, dev] {
            do { try await policy.check(URL(string: "http://8.8.8.8/")!); XCTFail("plain http to a public host allowed") } catch {}
        }
        try await production.check(URL(string: "https://8.8.8.8/")!)
    }

    func testErrorsDoNotRepeatTheQuery() async {
        do {
            try await OutboundPolicy().check(URL(string: "https://10.0.0.1/x?api_key=SECRET")!)
            XCTFail("allowed")
        } catch {
            XCTAssertFalse("\(error)".contains("SECRET"), "\(error)")
        }
    }
}
