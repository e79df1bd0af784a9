/// Bounded label values. A label value that came from a request (a method, a status, an
/// error name) goes through one of these, so no caller can grow a family without bound.
package enum MetricLabel {
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// The method when it is a standard one, else `other`.
    package static func method(_ method: String) -> String { methods.contains(method) ? method : "other" }

    /// A status code as three digits (100–599), else `other`.
    package static func status(_ code: Int) -> String { (100...599).contains(code) ? String(code) : "other" }

    /// `value` when it is one of `allowed`, else `other`.
    package static func oneOf(_ value: String, _ allowed: Set<String>) -> String { allowed.contains(value) ? value : "other" }
}
