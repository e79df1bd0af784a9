import HTTPTypes

extension HTTPField.Name {
    static let mcpMethod = HTTPField.Name("Mcp-Method")!
    static let mcpName = HTTPField.Name("Mcp-Name")!
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
