import Common

/// The two tools every client sees, whatever the size of the user's catalog.
enum ToolDefinitions {
    static let searchDescription = """
        Find the functions available to `execute`. Write an async JavaScript/TypeScript function; it runs in a sandbox where:
        declare const codemode: {
          catalog(query: string | { query?: string; limit?: number }): Promise<Array<{ callName: string; source: string; title: string; description: string; method?: string; path?: string }>>;
          describe(callName: string): Promise<{ callName: string; title: string; description: string; input: JSONSchema; output?: JSONSchema }>;
          sources(): Promise<Array<{ slug: string; type: string; enabled: boolean; status: string; entryCount: number; lastError?: string }>>;
        };
        Example: async () => (await codemode.catalog("list pets")).map(h => h.callName)
        """

    static let executeDescription = """
        Run an async JavaScript/TypeScript function that calls the user's APIs. Each enabled operation is `codemode.<callName>(request)` (find names with `search`). OpenAPI operations take
        { params?: Record<string, unknown>; query?: Record<string, unknown>; headers?: Record<string, string>; cookies?: Record<string, string>; body?: unknown; contentType?: string }
        and resolve to { status: number; headers: Record<string, string>; body: unknown } (non-2xx statuses are returned, not thrown). Credentials are added by the server. No network, files or environment inside the sandbox. Return a small JSON value; console output is captured.
        Example: async () => { const r = await codemode.github_issues_list({ params: { owner: "o", repo: "r" }, query: { state: "open" } }); return r.body.map(i => i.title); }
        """

    static var tools: JSONValue {
        let input: JSONValue = [
            "type": "object",
            "properties": ["code": ["type": "string", "description": "An async arrow function, e.g. async () => { ... }"]],
            "required": ["code"],
        ]
        return .array([
            ["name": "search", "title": "Search the API catalog", "description": .string(searchDescription), "inputSchema": input,
             "annotations": ["readOnlyHint": true, "openWorldHint": false]],
            ["name": "execute", "title": "Execute code against the APIs", "description": .string(executeDescription), "inputSchema": input,
             "annotations": ["readOnlyHint": false, "openWorldHint": true]],
        ])
    }
}
