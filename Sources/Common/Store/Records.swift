import Catalog
import Foundation
import Upstream

/// A person (or service account) who owns sources and tokens.
package struct User: Sendable, Codable, Equatable {
    package var id: String
    package var email: String
    package var isAdmin: Bool
    package var disabled: Bool
    package var createdAt: Date
}

/// A personal API token; only its SHA-256 is stored.
package struct APIToken: Sendable, Codable, Equatable {
    package var id: String
    package var owner: String
    package var name: String
    package var tokenHash: String
    package var createdAt: Date
    package var lastUsedAt: Date?
    package var revokedAt: Date?
}

/// Kinds of upstream source.
package enum SourceType: String, Sendable, Codable {
    case openapi
    case mcp
    /// A stdio MCP server the operator declared (`stdioServer`), run per user in a sandbox.
    case stdio
}

/// How Junction authenticates to a source.
package enum SourceAuthType: String, Sendable, Codable {
    case none
    case bearer
    case header
    /// An API key in a query parameter (`authHeaderName` holds the parameter's name).
    case query
    /// HTTP basic; the secret is `user:password`.
    case basic
    /// OAuth (MCP sources): tokens from the user's sign-in, kept in `source_oauth`.
    case oauth

    /// Whether this type sends a stored secret (as opposed to none, or OAuth tokens).
    package var sendsSecret: Bool { [.bearer, .header, .query, .basic].contains(self) }
}

/// A registered upstream. The secret is held only sealed (`secretSealed`), bound to the
/// origin it was entered for (`secretOrigin`).
package struct Source: Sendable, Codable, Equatable {
    package var id: String
    package var owner: String
    package var slug: String
    package var type: SourceType
    package var name: String
    package var baseUrl: String?
    package var specUrl: String?
    package var authType: SourceAuthType
    package var authHeaderName: String?
    package var secretSealed: String?
    package var enabled: Bool
    package var status: SourceStatus
    package var entryCount: Int
    package var lastRefreshAt: Date?
    package var lastError: String?
    package var createdAt: Date
    package var updatedAt: Date
    /// `Origin.serialized` of where the secret may be sent; sealed with it as associated
    /// data. nil with a secret only for a secret stored before origins were recorded on a
    /// source without baseUrl: it is never sent (see `needsSecret`).
    package var secretOrigin: String? = nil
    /// For a stdio source: the name of the operator's server declaration it runs. Its
    /// secrets (a JSON object of the declaration's `secrets`) are sealed in `secretSealed`,
    /// bound to owner, source and this name (`SecretBinding.stdioSecretsContext`).
    package var stdioServer: String? = nil

    /// The origin the secret is bound to.
    package var secretBoundOrigin: Origin? { secretOrigin.flatMap(Origin.init(string:)) }

    /// Whether the source's auth needs a secret it cannot use: none is stored, or the stored
    /// one is bound to no origin. Its calls fail until the user enters the secret again.
    package var needsSecret: Bool {
        authType.sendsSecret && (secretSealed == nil || secretBoundOrigin == nil)
    }

    /// The status to show: `needs_secret` while `needsSecret`, else `status`.
    package var displayStatus: String { needsSecret ? "needs_secret" : status.rawValue }
}

/// One callable function of a user's catalog: `codemode.<callName>(…)`.
package struct CatalogEntry: Sendable, Codable, Equatable {
    package var id: Int64?
    package var owner: String
    package var sourceId: String
    package var callName: String
    /// Stable identity of the operation within its source (`GET /pets/{id}` or a tool name).
    package var operationKey: String
    package var kind: CatalogEntryKind
    package var title: String
    package var description: String
    package var tags: String
    package var method: String?
    package var path: String?
    package var deprecated: Bool
    /// JSON: the input schema `{params, query, headers, cookies, body}`.
    package var inputSchema: String
    /// JSON: the success response schema, when known.
    package var outputSchema: String?
    /// JSON: how to call it (parameter locations, content types, base URL).
    package var details: String
    /// One-line TypeScript signature (shallow types) for search hits.
    package var signature: String = ""
    /// Full TypeScript declaration with documentation, for `describe`.
    package var declaration: String = ""

    package init(owner: String, sourceId: String, callName: String, operationKey: String, kind: CatalogEntryKind,
                 title: String, description: String, tags: String, method: String?, path: String?, deprecated: Bool,
                 inputSchema: String, outputSchema: String?, details: String) {
        self.owner = owner
        self.sourceId = sourceId
        self.callName = callName
        self.operationKey = operationKey
        self.kind = kind
        self.title = title
        self.description = description
        self.tags = tags
        self.method = method
        self.path = path
        self.deprecated = deprecated
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.details = details
    }
}

/// One `search` or `execute` run.
package struct ExecutionLog: Sendable, Codable, Equatable {
    package var id: String
    package var owner: String
    package var tool: String
    package var code: String
    package var status: String
    package var durationMs: Int
    /// JSON array of `{name, ok, durationMs}`.
    package var calls: String
    package var resultPreview: String?
    package var error: String?
    package var createdAt: Date

    package init(id: String, owner: String, tool: String, code: String, status: String, durationMs: Int, calls: String,
                 resultPreview: String?, error: String?, createdAt: Date) {
        self.id = id
        self.owner = owner
        self.tool = tool
        self.code = code
        self.status = status
        self.durationMs = durationMs
        self.calls = calls
        self.resultPreview = resultPreview
        self.error = error
        self.createdAt = createdAt
    }
}
