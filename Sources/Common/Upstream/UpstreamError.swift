import JunctionCore

/// What went wrong talking to an upstream (an API, an MCP server, an authorization
/// server), with the codes and statuses the API has always sent. Each case carries the
/// message shown to the caller (it names the host, never a secret).
package enum UpstreamError: CodedError, CustomStringConvertible {
    /// The upstream refused Junction's credentials (or wants some). `upstream_unauthorized`
    case unauthorized(String)
    /// It cannot be resolved or connected to. `upstream_unreachable`
    case unreachable(String)
    /// It did not answer in time. `upstream_timeout`
    case timeout(String)
    /// It closed the connection or stream before answering. `upstream_disconnected`
    case disconnected(String)
    /// Its answer is larger than the limit. `upstream_too_large`
    case tooLarge(String)
    /// Its answer is not what the protocol allows. `upstream_invalid`
    case invalid(String)
    /// It answered with an error (a JSON-RPC error, a repeated cursor, …). `upstream_error`
    case failed(String)
    /// An MCP tool reported that it failed (`isError`). `tool_error`
    case toolFailed(String)
    /// It asks for input Junction cannot give (elicitation). `upstream_input_required`
    case inputRequired(String)
    /// More redirects than allowed. `too_many_redirects`
    case tooManyRedirects(String)
    /// The outbound policy refuses the destination. `outbound_forbidden`
    case outboundForbidden(String)
    /// A secret would go to an origin it was not entered for. `secret_origin_mismatch`
    case secretOriginMismatch(String)
    /// The source cannot be called as configured. `source_misconfigured`
    case sourceMisconfigured(String)
    /// The MCP transport failed (wrong answer to a handshake, no endpoint, …). `mcp_transport`
    case mcpTransport(String)
    /// The MCP server forgot Junction's session (restart, expiry). `mcp_session_lost`
    case mcpSessionLost(String)
    /// The MCP server speaks a protocol version Junction does not. `mcp_version`
    case mcpVersion(String)
    /// The source needs its user to sign in (again). `source_needs_sign_in`
    case needsSignIn(String)
    /// OAuth discovery of the resource or its authorization server failed. `oauth_discovery_failed`
    case oauthDiscoveryFailed(String)
    /// The token endpoint refused a request. `oauth_token_error`
    case oauthTokenError(String)

    package var code: String {
        switch self {
        case .unauthorized: "upstream_unauthorized"
        case .unreachable: "upstream_unreachable"
        case .timeout: "upstream_timeout"
        case .disconnected: "upstream_disconnected"
        case .tooLarge: "upstream_too_large"
        case .invalid: "upstream_invalid"
        case .failed: "upstream_error"
        case .toolFailed: "tool_error"
        case .inputRequired: "upstream_input_required"
        case .tooManyRedirects: "too_many_redirects"
        case .outboundForbidden: "outbound_forbidden"
        case .secretOriginMismatch: "secret_origin_mismatch"
        case .sourceMisconfigured: "source_misconfigured"
        case .mcpTransport: "mcp_transport"
        case .mcpSessionLost: "mcp_session_lost"
        case .mcpVersion: "mcp_version"
        case .needsSignIn: "source_needs_sign_in"
        case .oauthDiscoveryFailed: "oauth_discovery_failed"
        case .oauthTokenError: "oauth_token_error"
        }
    }

    package var status: Int {
        switch self {
        case .timeout: 504
        case .outboundForbidden, .sourceMisconfigured: 400
        case .secretOriginMismatch: 403
        case .needsSignIn: 409
        default: 502
        }
    }

    package var message: String {
        switch self {
        case .unauthorized(let m), .unreachable(let m), .timeout(let m), .disconnected(let m), .tooLarge(let m), .invalid(let m),
             .failed(let m), .toolFailed(let m), .inputRequired(let m), .tooManyRedirects(let m), .outboundForbidden(let m), .secretOriginMismatch(let m),
             .sourceMisconfigured(let m), .mcpTransport(let m), .mcpSessionLost(let m), .mcpVersion(let m), .needsSignIn(let m),
             .oauthDiscoveryFailed(let m), .oauthTokenError(let m):
            m
        }
    }

    package var description: String { "\(code): \(message)" }

    /// Whether the upstream answered (the tool or the server reported a failure), as
    /// opposed to the connection or session failing: an answered call keeps its session.
    package var isAnswer: Bool {
        switch self {
        case .toolFailed, .failed, .inputRequired: true
        default: false
        }
    }
}
