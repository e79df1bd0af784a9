import JunctionCore

/// The two tools every client sees, whatever the size of the user's catalog.
enum ToolDefinitions {
    static let searchDescription = """
        Find the functions available to `execute`. Write an async JavaScript/TypeScript function; it runs in a sandbox where:
        declare const codemode: {
          catalog(query: string | { query?: string; source?: string; type?: "openapi" | "mcp"; kind?: "operation" | "tool"; limit?: number; match?: "any" | "all" }): Promise<Array<{ callName: string; source: string; title: string; description: string; signature: string; matched: string[] }>>; // matched: why it ranked ("files→file")
          describe(callName: string): Promise<{ callName: string; declaration: string; input: object; output?: object }>;
          spec(): Promise<OpenAPIDocument>; // all enabled OpenAPI sources in one document, paths under /<source>
          sources(): Promise<Array<{ slug: string; type: string; enabled: boolean; status: string; entryCount: number; lastRefreshAt?: string; lastError?: string }>>;
        };
        Example: async () => (await codemode.catalog("list pets")).map(h => h.callName)
        """

    static let executeDescription = """
        Run an async JavaScript/TypeScript function that calls the user's APIs and returns a small JSON value. In the sandbox:
        declare const codemode: {
          // one function per enabled operation or tool; get exact names and signatures from `search`
          [callName: string]: (input?: OperationInput | Record<string, unknown>) => Promise<OperationResult | unknown>;
          // the helpers of `search` work here too, so one run can find and call: catalog(query), describe(callName), spec(), sources()
        };
        type OperationInput = { params?: Record<string, unknown>; query?: Record<string, unknown>; headers?: Record<string, string>; cookies?: Record<string, string>; body?: unknown; contentType?: string };
        type OperationResult = { status: number; headers: Record<string, string>; body: unknown }; // non-2xx is returned, not thrown
        MCP tools resolve to their structuredContent, else their text (parsed when it is JSON); a tool error throws. Images, audio and embedded resources arrive as handles { type: "image" | "audio" | "resource" | "resource_link"; mimeType; bytes; ref } without the bytes: put a handle anywhere in your return value and it reaches the user as a real MCP content block.
        Credentials are added by the server. No network, files or env in the sandbox; console output is captured; wall time, call count and output size are limited.
        Example: async () => { const r = await codemode.github_issues_list({ params: { owner: "o", repo: "r" }, query: { state: "open" } }); return r.body.map((i: any) => i.title); }
        """

    static let tools: JSONValue = {
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
    }()
}
