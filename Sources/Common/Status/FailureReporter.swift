/// What a worker or refresher hands its handlers so they can list their failures on the
/// admin status page (`StatusBoard.record`).
package struct FailureReporter: Sendable {
    package let board: StatusBoard
    /// The reporting process (its heartbeat id).
    package let processID: String

    package init(board: StatusBoard, processID: String) {
        self.board = board
        self.processID = processID
    }

    /// Records one failure; never throws (status bookkeeping never fails the work).
    package func report(work: String, detail: String, outcome: String, code: String) async {
        await board.record(RecentFailure(work: work, detail: detail, outcome: outcome, code: code, processID: processID))
    }
}
