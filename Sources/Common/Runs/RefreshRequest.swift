import Jobs
import JunctionCore

/// The body of a refresh job.
package struct RefreshRequest: JobParameters, Equatable {
    package static let kind = JobKind.refresh

    package var sourceID: String

    package init(sourceID: String) { self.sourceID = sourceID }

    package var json: JSONValue { ["sourceId": .string(sourceID)] }

    package init(json: JSONValue) throws {
        guard let id = json["sourceId"]?.stringValue else { throw JunctionError.badRequest("malformed refresh request") }
        sourceID = id
    }
}
