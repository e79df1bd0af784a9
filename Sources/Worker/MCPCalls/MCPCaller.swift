import Foundation
import JunctionCore
import Logging
import Secrets
import SourceAccess
import Stdio
import Store
import Upstream

/// Performs one MCP tool call for a sandbox call: takes the pooled client of the
/// (user, source), calls `tools/call` with the per-call timeout, and maps the result
/// (an `isError` result fails the call with the upstream's message; images, audio and
/// resources are kept in the run's `attachments`, the sandbox gets handles).
package struct MCPCaller: Sendable {
    package let database: any JunctionStore
    package let connector: MCPSourceConnector
    package let pool: MCPSessionPool
    package var timeout: Duration
    /// Access tokens of OAuth sources (nil: OAuth sources cannot be called).
    package let oauth: MCPOAuthTokens?
    /// This worker's instances of stdio servers (nil: stdio sources cannot be called here).
    package let stdio: StdioInstanceManager?
    let logger: Logger

    package init(database: any JunctionStore, http: UpstreamHTTP, pool: MCPSessionPool, timeout: Duration = .seconds(30),
                 maxResponseBytes: Int = 1_000_000, oauth: MCPOAuthTokens? = nil, stdio: StdioInstanceManager? = nil, logger: Logger) {
        self.stdio = stdio
        self.database = database
        self.oauth = oauth
        self.connector = MCPSourceConnector(http: StreamingUpstream(http), maxMessageBytes: maxResponseBytes, requestTimeout: min(timeout, .seconds(30)))
        self.pool = pool
        self.timeout = timeout
        self.logger = logger
    }

    /// Calls the tool behind `entry` with `args` (an object, or nothing); binary content of
    /// the result is kept in `attachments`.
    package func call(entry: CatalogEntry, source: Source, secret: String?, args: JSONValue,
                      attachments: RunAttachments = RunAttachments()) async throws -> JSONValue {
        guard args.isNull || args.objectValue != nil else {
            throw JunctionError.badRequest("\(entry.callName) takes one object argument with the tool's parameters")
        }
        guard source.authType == .oauth else {
            return try await call(entry: entry, source: source, credential: secret, args: args, attachments: attachments)
        }
        guard let oauth else {
            throw JunctionError("source_misconfigured", "this worker has no OAuth support configured for \(source.slug)", status: 500)
        }
        let token = try await oauth.accessToken(for: source)
        do {
            return try await call(entry: entry, source: source, credential: token, args: args, attachments: attachments)
        } catch UpstreamError.unauthorized {
            // The server refused the token before it expired (revoked, or its clock differs):
            // refresh under the cross-process lock, then try once more.
            logger.info("upstream refused the OAuth token; refreshing", metadata: ["source": "\(source.slug)"])
            let fresh = try await oauth.accessToken(for: source, rejected: token)
            do {
                return try await call(entry: entry, source: source, credential: fresh, args: args, attachments: attachments)
            } catch UpstreamError.unauthorized {
                throw UpstreamOAuthError.needsSignIn(source.slug, reason: "the server refused a freshly refreshed token")
            }
        }
    }

    /// Calls the tool behind `entry` in the user's own instance of the stdio server of
    /// `source`, started here on demand (`StdioInstanceManager`).
    package func callStdio(entry: CatalogEntry, source: Source, secrets: [String: String], args: JSONValue,
                           attachments: RunAttachments = RunAttachments()) async throws -> JSONValue {
        guard args.isNull || args.objectValue != nil else {
            throw JunctionError.badRequest("\(entry.callName) takes one object argument with the tool's parameters")
        }
        guard let stdio else {
            throw JunctionError("stdio_unavailable", "this worker runs no stdio servers (JUNCTION_STDIO_SERVERS is unset here)", status: 503)
        }
        let details = (try? JSONValue.parse(entry.details)) ?? .object([:])
        let tool = details["tool"]?.stringValue ?? entry.operationKey
        let raw = try await stdio.callTool(.init(owner: source.owner, sourceID: source.id), server: source.stdioServer ?? "",
                                           secrets: secrets, name: tool, arguments: args, timeout: timeout)
        return try MCPToolResult.value(of: raw, tool: entry.callName, attachments: attachments)
    }

    private func call(entry: CatalogEntry, source: Source, credential: String?, args: JSONValue,
                      attachments: RunAttachments) async throws -> JSONValue {
        let details = (try? JSONValue.parse(entry.details)) ?? .object([:])
        let tool = details["tool"]?.stringValue ?? entry.operationKey
        // A new access token makes a new client (its headers are fixed at creation).
        let tag = source.authType == .oauth ? TokenHasher.hash(credential ?? "") : ""
        let client = try await pool.client(for: source, credentialTag: tag) {
            let remembered = try await database.mcpConnectionInfo(owner: source.owner, sourceID: source.id)
            return try connector.client(for: source, secret: credential, remembered: remembered)
        }
        do {
            let before = await client.handshakes
            let info = try await client.connect()
            let after = await client.handshakes
            if after > before {
                logger.info("MCP session opened", metadata: [
                    "source": "\(source.slug)", "transport": "\(info.transport.rawValue)", "protocol": "\(info.protocolVersion)",
                    "handshakes": "\(after - before)",
                ])
                try? await database.rememberMCPConnection(owner: source.owner, sourceID: source.id, info: info)
            }
            let schema = try? JSONValue.parse(entry.inputSchema)
            let raw = try await client.callTool(name: tool, arguments: args, inputSchema: schema, timeout: timeout)
            return try MCPToolResult.value(of: raw, tool: entry.callName, attachments: attachments)
        } catch let error as any CodedError {
            if (error as? UpstreamError)?.isAnswer != true {
                await pool.discard(source, client: client)
            }
            throw error
        }
    }
}
