import HTTPTypes
import Hummingbird
import Secrets

/// Static files of the dashboard (stylesheet, script, icon), bundled as resources
/// (`Resources/dashboard*.js`, `dashboard.css`) and served under `/assets/` with an ETag.
/// Pages link them with `?v=<hash>`, so a browser may cache them for a year and still sees a
/// new version after an upgrade.
enum Assets {
    struct File: Sendable {
        let contentType: String
        let body: String
        let etag: String
    }

    /// The script's parts, in order; served as one `app.js`.
    static let scriptParts = ["dashboard-core.js", "dashboard-sources.js", "dashboard-pages.js"]

    /// The dashboard's one script: API calls with the CSRF header, status polling, dialogs,
    /// copy buttons, the OAuth popup. Builds DOM with textContent only (never innerHTML with
    /// data); the only HTML it inserts is the server's own escaped table fragment.
    static var js: String { files["app.js"]?.body ?? "" }
    /// The dashboard's one stylesheet (also used by the sign-in pages). System fonts only.
    static var css: String { files["app.css"]?.body ?? "" }

    /// Loads the bundled files; `buildApplication` calls it so that a missing file stops the
    /// start with its name rather than failing a request later.
    static func load() throws -> [String: File] {
        var files: [String: File] = [:]
        func add(_ name: String, _ type: String, _ body: String) {
            files[name] = File(contentType: type, body: body, etag: "\"" + String(TokenHasher.hash(body).prefix(16)) + "\"")
        }
        add("app.css", "text/css; charset=utf-8", try FrontendResource.joined(["dashboard.css"]))
        add("app.js", "text/javascript; charset=utf-8", try FrontendResource.joined(scriptParts))
        add("favicon.svg", "image/svg+xml", favicon)
        return files
    }

    /// The files, read once; `buildRouter` asks for them first, so a missing one stops the start.
    static let loaded = Result { try load() }

    static var files: [String: File] { (try? loaded.get()) ?? [:] }

    /// The URL of an asset, versioned by its content.
    static func path(_ name: String) -> String {
        guard let file = files[name] else { return "/assets/" + name }
        return "/assets/\(name)?v=\(file.etag.dropFirst().prefix(10))"
    }

    static func register(on router: Router<FrontendContext>) {
        router.get("/assets/:name") { request, context in serve(context.parameters.get("name") ?? "", request) }
        // Browsers ask for it on every page that links no icon (the sign-in pages).
        router.get("/favicon.ico") { request, _ in serve("favicon.svg", request) }
    }

    private static func serve(_ name: String, _ request: Request) -> Response {
        guard let file = files[name] else {
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "not found")))
        }
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.eTag] = file.etag
        let versioned = request.uri.queryParameters.get("v") != nil
        headers[.cacheControl] = versioned ? "public, max-age=31536000, immutable" : "public, max-age=300"
        if request.headers[.ifNoneMatch] == file.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: file.body)))
    }

    static let favicon = #"""
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3557d6"/><path d="M9 9h9v9H9zM14 14h9v9h-9z" fill="none" stroke="#fff" stroke-width="2.4"/></svg>
"""#
}
