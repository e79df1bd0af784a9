/// How Junction talks to an MCP source, as detected and remembered per source.
package enum MCPTransportKind: String, Sendable, Codable {
    /// Streamable HTTP (one endpoint, POST per message; JSON or SSE responses).
    case streamableHTTP = "streamable-http"
    /// The deprecated HTTP+SSE transport (2024-11-05).
    case sse
}

/// What a connection negotiated: remembered on the source so later connections skip detection.
package struct MCPConnectionInfo: Sendable, Equatable {
    package var transport: MCPTransportKind
    package var protocolVersion: String
    package var serverName: String?
    package var serverVersion: String?

    package init(transport: MCPTransportKind, protocolVersion: String, serverName: String? = nil, serverVersion: String? = nil) {
        self.transport = transport
        self.protocolVersion = protocolVersion
        self.serverName = serverName
        self.serverVersion = serverVersion
    }
}
