@testable import Worker
import XCTest

/// Which host a run goes to: one owner per host at a time, arrival order, no starvation.
final class SandboxSchedulerTests: XCTestCase {
    func testAHostServesOneOwnerAtATime() {
        var s = SandboxScheduler(hosts: 2, capacity: 4)
        let a1 = s.request(owner: "a")
        let a2 = s.request(owner: "a")
        let b1 = s.request(owner: "b")
        XCTAssertEqual(a1.host, a2.host, "an owner's concurrent runs share its host")
        XCTAssertNotNil(b1.host)
        XCTAssertNotEqual(b1.host, a1.host, "another owner never joins a host that has runs")
        // Both hosts are taken: a third owner waits, even though each host has room.
        let c1 = s.request(owner: "c")
        XCTAssertNil(c1.host)
        XCTAssertEqual(s.owner(ofHost: a1.host!), "a")
        XCTAssertEqual(s.owner(ofHost: b1.host!), "b")
    }

    func testWhileAnotherOwnerWaitsTheHoldersGetNoNewRuns() {
        var s = SandboxScheduler(hosts: 1, capacity: 4)
        let a1 = s.request(owner: "a")
        XCTAssertEqual(a1.host, 0)
        let b1 = s.request(owner: "b")
        XCTAssertNil(b1.host)
        // A's host has room, but B is waiting: A's new run queues behind B.
        let a2 = s.request(owner: "a")
        XCTAssertNil(a2.host)
        // A's run ends: the host drains to B, then B's run ends and A's second run gets it.
        XCTAssertEqual(s.release(host: 0), [.init(ticket: b1.ticket, host: 0)])
        XCTAssertEqual(s.owner(ofHost: 0), "b")
        XCTAssertEqual(s.release(host: 0), [.init(ticket: a2.ticket, host: 0)])
        XCTAssertEqual(s.owner(ofHost: 0), "a")
    }

    func testWithoutOtherOwnersAnOwnerFillsItsHostThenWaits() {
        var s = SandboxScheduler(hosts: 2, capacity: 2)
        let runs = (0..<5).map { _ in s.request(owner: "a") }
        // Two fill the first host; the third opens the idle one; then all of A's capacity is used.
        XCTAssertEqual(runs.prefix(2).map(\.host), [runs[0].host, runs[0].host])
        XCTAssertNotNil(runs[2].host)
        XCTAssertNotEqual(runs[2].host, runs[0].host)
        XCTAssertEqual(runs[3].host, runs[2].host)
        XCTAssertNil(runs[4].host)
        XCTAssertEqual(s.release(host: runs[0].host!), [.init(ticket: runs[4].ticket, host: runs[0].host!)])
    }

    func testExclusiveRunsAreAlone() {
        var s = SandboxScheduler(hosts: 2, capacity: 4)
        let x = s.request(owner: "a", exclusive: true)
        XCTAssertNotNil(x.host)
        let a = s.request(owner: "a")
        XCTAssertNotEqual(a.host, x.host, "nothing joins an exclusive run, not even its owner")
        let y = s.request(owner: "a", exclusive: true)
        XCTAssertNil(y.host, "an exclusive run needs an idle host")
        XCTAssertEqual(s.release(host: x.host!), [.init(ticket: y.ticket, host: x.host!)])
    }

    func testAWithdrawnRunLetsTheNextOneThrough() {
        var s = SandboxScheduler(hosts: 1, capacity: 1)
        _ = s.request(owner: "a")
        let b = s.request(owner: "b")
        let c = s.request(owner: "c")
        XCTAssertEqual(s.withdraw(ticket: b.ticket).withdrawn, true)
        XCTAssertEqual(s.withdraw(ticket: b.ticket).withdrawn, false)
        XCTAssertEqual(s.release(host: 0), [.init(ticket: c.ticket, host: 0)])
        XCTAssertEqual(s.waitingCount, 0)
    }

    func testIdleHostsAreUsedInRotation() {
        var s = SandboxScheduler(hosts: 3, capacity: 4)
        var hosts: [Int] = []
        for _ in 0..<6 {
            let r = s.request(owner: "a")
            hosts.append(r.host!)
            _ = s.release(host: r.host!)
        }
        XCTAssertEqual(hosts, [0, 1, 2, 0, 1, 2], "back-to-back runs alternate, giving each host time to boot a spare")
    }

    func testNobodyStarvesUnderABusyOwner() {
        // A keeps its host full all the time; B and C still get it in turn.
        var s = SandboxScheduler(hosts: 1, capacity: 2)
        let a1 = s.request(owner: "a")
        let a2 = s.request(owner: "a")
        XCTAssertNotNil(a1.host)
        XCTAssertNotNil(a2.host)
        let b = s.request(owner: "b")
        let a3 = s.request(owner: "a")
        let c = s.request(owner: "c")
        XCTAssertEqual(s.release(host: 0), [])
        XCTAssertEqual(s.release(host: 0), [.init(ticket: b.ticket, host: 0)])
        XCTAssertEqual(s.release(host: 0), [.init(ticket: a3.ticket, host: 0)])
        XCTAssertEqual(s.release(host: 0), [.init(ticket: c.ticket, host: 0)])
    }
}
