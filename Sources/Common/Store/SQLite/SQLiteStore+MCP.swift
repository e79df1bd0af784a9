import Foundation
import GRDB
import Upstream

extension SQLiteStore {
    /// Tables of MCP sources: what transport and protocol version each one answered
    /// with, so later connections skip detection. Registered as its own migration.
    static func migrateMCPSources(_ db: Database) throws {
        try db.create(table: "mcp_source_state") { t in
            t.column("sourceId", .text).primaryKey().references("sources", onDelete: .cascade)
            t.column("owner", .text).notNull().references("users", onDelete: .cascade)
            t.column("transport", .text).notNull()
            t.column("protocolVersion", .text).notNull()
            t.column("serverName", .text)
            t.column("serverVersion", .text)
            t.column("updatedAt", .datetime).notNull()
        }
    }

    /// What the last successful connection to an MCP source negotiated.
    package func mcpConnectionInfo(owner: String, sourceID: String) throws -> MCPConnectionInfo? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT transport, protocolVersion, serverName, serverVersion FROM mcp_source_state WHERE owner = ? AND sourceId = ?
                """, arguments: [owner, sourceID]),
                let transport = MCPTransportKind(rawValue: row[0]) else { return nil }
            return MCPConnectionInfo(transport: transport, protocolVersion: row[1], serverName: row[2], serverVersion: row[3])
        }
    }

    /// Remembers what a connection to an MCP source negotiated.
    package func rememberMCPConnection(owner: String, sourceID: String, info: MCPConnectionInfo) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO mcp_source_state(sourceId, owner, transport, protocolVersion, serverName, serverVersion, updatedAt)
                SELECT id, owner, ?, ?, ?, ?, ? FROM sources WHERE owner = ? AND id = ?
                ON CONFLICT(sourceId) DO UPDATE SET transport = excluded.transport, protocolVersion = excluded.protocolVersion,
                    serverName = excluded.serverName, serverVersion = excluded.serverVersion, updatedAt = excluded.updatedAt
                """, arguments: [info.transport.rawValue, info.protocolVersion, info.serverName, info.serverVersion, Date(), owner, sourceID])
        }
    }

    /// Forgets it (the next connection detects again).
    package func forgetMCPConnection(owner: String, sourceID: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM mcp_source_state WHERE owner = ? AND sourceId = ?", arguments: [owner, sourceID])
        }
    }
}
