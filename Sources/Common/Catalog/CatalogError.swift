import JunctionCore

/// Why a source's description could not be indexed, with the codes and statuses the API
/// has always sent. Each case carries the message shown to the source's owner.
package enum CatalogError: CodedError, CustomStringConvertible {
    /// Not a usable OpenAPI document (syntax, structure, `$ref` cycles). `invalid_spec`
    case invalidSpec(String)
    /// Over one of the indexing limits (operations, nodes, inlined size). `spec_too_large`
    case specTooLarge(String)

    package var code: String {
        switch self {
        case .invalidSpec: "invalid_spec"
        case .specTooLarge: "spec_too_large"
        }
    }

    package var status: Int { 422 }

    package var message: String {
        switch self {
        case .invalidSpec(let m), .specTooLarge(let m): m
        }
    }

    package var description: String { "\(code): \(message)" }
}
