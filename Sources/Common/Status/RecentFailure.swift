import Foundation
import JunctionCore

/// One failed run or refresh as the admin status page lists it: when, which process, what
/// kind of work, its outcome and error code. No user code, no messages, no secrets.
package struct RecentFailure: Sendable, Equatable {
    package var at: Date
    /// `run` or `refresh`.
    package var work: String
    /// The tool (`execute`, `search`) of a run, the source type of a refresh.
    package var detail: String
    package var outcome: String
    /// An error code or error name: `[A-Za-z0-9_]`, at most 64 characters, else `other`.
    package var code: String
    package var processID: String

    package init(at: Date = Date(), work: String, detail: String, outcome: String, code: String, processID: String) {
        self.at = at
        self.work = work
        self.detail = detail
        self.outcome = outcome
        self.code = Self.bounded(code)
        self.processID = processID
    }

    /// An identifier-like code as it is, anything else as `other`.
    static func bounded(_ code: String) -> String {
        let allowed = code.count <= 64 && !code.isEmpty && code.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
        return allowed ? code : "other"
    }

    package var jsonText: String {
        JSONValue.object([
            "at": .number(Double(ProcessHeartbeat.ms(at))), "work": .string(work), "detail": .string(detail),
            "outcome": .string(outcome), "code": .string(code), "process": .string(processID),
        ]).jsonString()
    }

    package init?(jsonText: String) {
        guard let o = (try? JSONValue.parse(jsonText))?.objectValue, let at = o["at"]?.numberValue,
              let work = o["work"]?.stringValue, let outcome = o["outcome"]?.stringValue else { return nil }
        self.init(at: ProcessHeartbeat.date(Int64(at)), work: work, detail: o["detail"]?.stringValue ?? "", outcome: outcome,
                  code: o["code"]?.stringValue ?? "", processID: o["process"]?.stringValue ?? "")
    }
}
