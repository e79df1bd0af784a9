/// `Type(property: value, …)` of a configuration value, with the named properties shown as
/// `<redacted>` (or `nil`), so a configuration can be logged without its secrets.
package func redactedDescription(of value: Any, secret: Set<String>) -> String {
    let fields = Mirror(reflecting: value).children.map { child -> String in
        let label = child.label ?? "_"
        let mirror = Mirror(reflecting: child.value)
        let unwrapped: Any? = mirror.displayStyle == .optional ? mirror.children.first?.value : child.value
        guard let unwrapped else { return "\(label): nil" }
        return "\(label): \(secret.contains(label) ? "<redacted>" : String(describing: unwrapped))"
    }
    return "\(type(of: value))(\(fields.joined(separator: ", ")))"
}
