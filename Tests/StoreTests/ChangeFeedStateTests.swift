import Store
import XCTest

/// The rules that decide when a cached auth epoch or catalog scope may be served without
/// asking PostgreSQL (`ChangeFeedState`), apart from any connection.
final class ChangeFeedStateTests: XCTestCase {
    func testNothingIsCachedWhileNotListening() {
        var state = ChangeFeedState()
        XCTAssertNil(state.authStamp())
        state.epochRead(7, stamp: state.authStamp())
        XCTAssertNil(state.cachedEpoch(), "without a session every read goes to the database")
        XCTAssertNil(state.catalogStamp(owner: "a"))
    }

    func testAnEpochReadWhileListeningIsServedUntilAnAuthNotification() {
        var state = ChangeFeedState()
        state.listening()
        state.epochRead(7, stamp: state.authStamp())
        XCTAssertEqual(state.cachedEpoch(), 7)
        state.notified("catalog a")
        XCTAssertEqual(state.cachedEpoch(), 7, "a catalog change leaves the epoch alone")
        state.notified("auth")
        XCTAssertNil(state.cachedEpoch())
    }

    func testANotificationDuringAReadVoidsThatRead() {
        var state = ChangeFeedState()
        state.listening()
        let stamp = state.authStamp()
        state.notified("auth") // committed while the read was in flight: its value may predate it
        state.epochRead(7, stamp: stamp)
        XCTAssertNil(state.cachedEpoch())

        let catalog = state.catalogStamp(owner: "a")!
        state.notified("catalog a")
        XCTAssertFalse(state.isCurrent(catalog, owner: "a"))
    }

    func testCatalogNotificationsVoidOnlyTheirOwner() {
        var state = ChangeFeedState()
        state.listening()
        let a = state.catalogStamp(owner: "a")!, b = state.catalogStamp(owner: "b")!
        state.notified("catalog b")
        XCTAssertTrue(state.isCurrent(a, owner: "a"))
        XCTAssertFalse(state.isCurrent(b, owner: "b"))
        XCTAssertTrue(state.isCurrent(state.catalogStamp(owner: "b")!, owner: "b"), "a read after the change is current again")
    }

    func testALocalWriteVoidsEveryCachedAnswerAtOnce() {
        var state = ChangeFeedState()
        state.listening()
        state.epochRead(7, stamp: state.authStamp())
        let a = state.catalogStamp(owner: "a")!
        state.localWrite()
        XCTAssertNil(state.cachedEpoch(), "this process's own revocation is seen on its next request, not after the notification")
        XCTAssertFalse(state.isCurrent(a, owner: "a"))
    }

    func testALostSessionVoidsEverythingAndANewOneStartsEmpty() {
        var state = ChangeFeedState()
        state.listening()
        state.epochRead(7, stamp: state.authStamp())
        let a = state.catalogStamp(owner: "a")!
        state.stopped()
        XCTAssertNil(state.cachedEpoch())
        XCTAssertFalse(state.isCurrent(a, owner: "a"))
        state.listening()
        XCTAssertNil(state.cachedEpoch(), "notifications missed while down are not replayed, so nothing old is trusted")
        XCTAssertFalse(state.isCurrent(a, owner: "a"))
        let stamp = state.authStamp()
        XCTAssertNotNil(stamp)
        state.stopped()
        state.epochRead(9, stamp: stamp)
        XCTAssertNil(state.cachedEpoch(), "a read that straddles a lost session is not kept")
    }

    func testAnUnknownPayloadVoidsEverything() {
        // Any role of the database may NOTIFY the channel; what the feed cannot read, it
        // treats as "anything may have changed".
        for payload in ["", "catalog", "catalog ", "AUTH", "auth extra", "flush", String(repeating: "x", count: 8000)] {
            var state = ChangeFeedState()
            state.listening()
            state.epochRead(7, stamp: state.authStamp())
            let a = state.catalogStamp(owner: "a")!
            state.notified(payload)
            XCTAssertNil(state.cachedEpoch(), "payload \(payload.prefix(20).debugDescription)")
            XCTAssertFalse(state.isCurrent(a, owner: "a"), "payload \(payload.prefix(20).debugDescription)")
        }
    }
}
