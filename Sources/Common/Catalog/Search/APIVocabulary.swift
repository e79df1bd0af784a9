/// General knowledge of the language people use for API operations: which words name the
/// same action or thing, which words carry no meaning in a request, and what an HTTP
/// method on a path shape does. Nothing here knows a particular API; every entry is a
/// relation a person would accept for any API (`remove` is `delete`, `repo` is
/// `repository`, a GET on a collection lists it).
///
/// Operation intents are virtual terms (`~list`, `~read`, `~create`, `~update`, `~delete`)
/// that the index adds to each operation from its method and path, and that verbs in a
/// query reach through their group; tokens of real text never start with `~`.
enum APIVocabulary {
    /// A set of words that can stand for each other, with how strongly (1 = the same word).
    struct Group {
        var words: [String]
        var weight: Double
        /// The operation intents a query word of this group asks for.
        var intents: [(term: String, weight: Double)] = []
        /// Words that name actions (a path segment that is one names what is done, not to what).
        var verb = false

        init(words: [String], weight: Double, intents: [(term: String, weight: Double)] = [], verb: Bool = false) {
            self.words = words
            self.weight = weight
            self.intents = intents
            self.verb = verb || intents.contains { $0.term != APIVocabulary.collection }
        }
    }

    package static let list = "~list", read = "~read", create = "~create", update = "~update", delete = "~delete"
    /// Any operation that changes something (not GET or HEAD).
    package static let write = "~write"
    /// An operation on a whole collection (`GET /pods`, `DELETE /pods`).
    package static let collection = "~collection"

    /// How a virtual intent term reads in a hit's `matched` explanation.
    package static func describe(intent: String) -> String {
        switch intent {
        case list: return "GET on a collection"
        case read: return "GET"
        case create: return "POST/PUT"
        case update: return "PUT/PATCH"
        case delete: return "DELETE"
        case write: return "a change"
        case collection: return "a whole collection"
        default: return intent
        }
    }

    private static let spelling = 0.9, synonym = 0.7, related = 0.4
    /// Action verbs ask for an operation that changes something.
    private static let writes: [(term: String, weight: Double)] = [(write, 0.5)]

    static let groups: [Group] = [
        // Verbs of the five operation intents.
        Group(words: ["get", "read", "fetch", "retrieve", "show", "view", "display", "inspect", "describe", "lookup", "obtain", "see",
                      "retrieval"], weight: synonym, intents: [(read, 1), (list, 0.3)]),
        Group(words: ["list", "enumerate", "browse"], weight: synonym, intents: [(list, 1), (read, 0.3)]),
        Group(words: ["list", "get", "show", "fetch", "all"], weight: related),
        Group(words: ["search", "find", "query", "lookup", "filter", "look"], weight: synonym, intents: [(list, 0.5)]),
        Group(words: ["create", "add", "new", "insert", "post", "make", "register", "generate", "creation", "addition", "insertion",
                      "registration"], weight: synonym,
              intents: [(create, 1), (write, 0.5)]),
        Group(words: ["update", "edit", "modify", "change", "set", "put", "patch", "replace", "alter", "adjust", "rename",
                      "modification", "replacement"],
              weight: synonym, intents: [(update, 1), (write, 0.5)]),
        Group(words: ["delete", "remove", "destroy", "drop", "erase", "purge", "unset", "clear", "prune", "revoke", "uninstall",
                      "discard", "clean", "wipe", "deletion", "removal"], weight: synonym, intents: [(delete, 1), (write, 0.5)]),
        Group(words: ["close", "reopen", "resolve"], weight: synonym, intents: [(update, 0.7), (write, 0.5)]),
        // "open an issue", "publish a release": create one.
        Group(words: ["open", "publish", "create"], weight: related, intents: [(create, 1), (write, 0.5)]),
        Group(words: ["grant", "give", "allow", "permit"], weight: synonym, intents: [(create, 0.5), (write, 0.5)]),
        Group(words: ["grant", "give", "add"], weight: related),
        // Words asking for everything at once.
        Group(words: ["all", "every", "everything", "bulk", "collection", "multiple"], weight: related, intents: [(collection, 1)]),
        // Other actions.
        Group(words: ["start", "run", "launch", "begin", "execute", "exec", "trigger"], weight: synonym, intents: writes),
        Group(words: ["stop", "halt", "terminate", "kill", "shutdown"], weight: synonym, intents: writes),
        Group(words: ["restart", "reboot", "reload"], weight: synonym, intents: writes),
        Group(words: ["pause", "suspend", "freeze"], weight: synonym, intents: writes),
        Group(words: ["resume", "unpause", "continue", "unfreeze"], weight: synonym, intents: writes),
        Group(words: ["upload", "push", "import", "send"], weight: related, intents: writes),
        Group(words: ["download", "export", "save", "pull", "fetch"], weight: related),
        // Downloading and exporting read what they take.
        Group(words: ["download", "export"], weight: synonym, intents: [(read, 1)]),
        Group(words: ["copy", "duplicate", "clone", "cp"], weight: synonym, intents: writes),
        Group(words: ["move", "rename", "transfer", "mv"], weight: related, intents: writes),
        Group(words: ["connect", "attach", "join", "link", "bind"], weight: synonym, intents: writes),
        Group(words: ["disconnect", "detach", "leave", "unlink", "unbind"], weight: synonym, intents: writes),
        Group(words: ["enable", "activate"], weight: synonym, intents: writes),
        Group(words: ["disable", "deactivate"], weight: synonym, intents: writes),
        Group(words: ["check", "verify", "validate", "test"], weight: synonym, intents: writes),
        Group(words: ["watch", "subscribe", "subscription", "monitor", "observe"], weight: synonym, intents: writes),
        Group(words: ["unwatch", "unsubscribe"], weight: synonym, intents: writes),
        Group(words: ["star", "favorite", "favourite", "bookmark"], weight: synonym, intents: writes),
        // Code forges call the users who starred a repository its stargazers.
        Group(words: ["star", "stargazer"], weight: related),
        Group(words: ["unstar", "unfavorite", "unfavourite"], weight: synonym, intents: writes),
        Group(words: ["login", "signin", "logon", "authenticate"], weight: synonym, intents: writes),
        Group(words: ["logout", "signout", "logoff"], weight: synonym, intents: writes),
        Group(words: ["install", "setup"], weight: synonym, intents: writes),
        Group(words: ["approve", "accept", "confirm"], weight: synonym, intents: writes),
        Group(words: ["reject", "deny", "decline"], weight: synonym, intents: writes),
        Group(words: ["compare", "diff", "difference"], weight: synonym, intents: writes),
        Group(words: ["convert", "transform", "translate"], weight: synonym, intents: writes),
        Group(words: ["merge", "fork", "migrate", "sync", "synchronize", "mirror", "render", "publicize", "conceal", "follow",
                      "unfollow", "tag", "build", "commit", "scale", "resize", "rollback", "evict", "approve", "materialize",
                      "reparse", "upgrade", "wait"], weight: 0, intents: writes),
        // Things.
        Group(words: ["repository", "repo"], weight: spelling),
        Group(words: ["organization", "organisation", "org"], weight: spelling),
        Group(words: ["directory", "folder", "dir"], weight: synonym),
        Group(words: ["directory", "folder", "contents"], weight: related),
        Group(words: ["file", "blob", "document"], weight: related),
        Group(words: ["content", "body"], weight: related),
        Group(words: ["configuration", "config", "settings", "cfg", "conf", "options", "preferences"], weight: synonym),
        Group(words: ["environment", "env"], weight: spelling),
        Group(words: ["variable", "var", "vars"], weight: spelling),
        Group(words: ["application", "app"], weight: spelling),
        Group(words: ["information", "info", "details", "metadata"], weight: synonym),
        Group(words: ["statistics", "stats", "metrics", "usage"], weight: synonym),
        Group(words: ["usage", "use"], weight: related),
        Group(words: ["identifier", "id"], weight: spelling),
        Group(words: ["message", "msg"], weight: spelling),
        Group(words: ["administrator", "admin", "superuser"], weight: spelling),
        Group(words: ["authentication", "authorization", "auth", "credentials"], weight: synonym),
        Group(words: ["password", "passwd", "pwd", "passphrase"], weight: spelling),
        Group(words: ["user", "account", "member", "person", "people", "profile"], weight: synonym),
        Group(words: ["member", "membership", "belong"], weight: related),
        Group(words: ["group", "team"], weight: synonym),
        Group(words: ["webhook", "hook"], weight: spelling),
        Group(words: ["label", "tag"], weight: related),
        Group(words: ["issue", "ticket", "bug"], weight: synonym),
        Group(words: ["comment", "note", "reply"], weight: synonym),
        Group(words: ["email", "mail"], weight: spelling),
        Group(words: ["log", "history", "journal"], weight: related),
        Group(words: ["image", "picture", "photo", "img"], weight: synonym),
        Group(words: ["node", "host", "machine"], weight: related),
        Group(words: ["namespace", "ns"], weight: spelling),
        Group(words: ["secret", "credential"], weight: related),
        Group(words: ["certificate", "cert"], weight: spelling),
        Group(words: ["certificatesigningrequest", "csr"], weight: spelling),
        Group(words: ["horizontalpodautoscaler", "hpa", "autoscaler"], weight: spelling),
        Group(words: ["persistentvolumeclaim", "pvc"], weight: spelling),
        Group(words: ["persistentvolume", "pv"], weight: spelling),
        Group(words: ["customresourcedefinition", "crd"], weight: spelling),
        Group(words: ["permission", "access", "privilege", "right", "allow", "authorize"], weight: related),
        Group(words: ["status", "state", "condition"], weight: related),
        Group(words: ["health", "ping", "alive", "reachable", "heartbeat", "liveness", "readiness", "healthcheck"], weight: synonym),
        Group(words: ["time", "clock", "datetime", "timestamp"], weight: related),
        Group(words: ["timezone", "tz", "zone"], weight: spelling),
        Group(words: ["delay", "sleep", "latency"], weight: related),
        Group(words: ["schedule", "cron", "crontab"], weight: synonym),
        Group(words: ["process", "ps"], weight: spelling),
        Group(words: ["disk", "df", "storage"], weight: related),
        Group(words: ["commit", "revision", "sha"], weight: related),
        Group(words: ["branch", "ref"], weight: related),
        Group(words: ["pullrequest", "pr", "mergerequest", "mr"], weight: spelling),
        Group(words: ["archive", "tarball", "tar", "zip"], weight: synonym),
        Group(words: ["uuid", "guid"], weight: spelling),
        Group(words: ["anything", "whatever"], weight: synonym),
        // The one asking: "my repositories", "repos I starred" are the authenticated user's.
        Group(words: ["my", "me", "mine", "myself", "i", "current", "authenticated", "self", "whoami"], weight: synonym),
    ]

    /// Question words: a question asks to read something.
    package static let questions: Set<String> = ["what", "which", "when", "where", "who", "whom", "whose", "how"]

    /// Words before which a noun phrase ends (`files` in "list files in a directory").
    package static let prepositions: Set<String> = [
        "of", "in", "for", "on", "from", "to", "with", "by", "at", "into", "onto", "inside", "within", "across", "between",
        "under", "over", "about", "via", "per", "than", "as",
    ]

    /// Nouns that name an aspect of the thing after them, not a thing: "details of an
    /// organization" asks about the organization.
    package static let lightNouns: Set<String> = [
        "detail", "details", "information", "info", "metadata", "value", "values", "data", "content", "contents",
        "property", "properties", "attribute", "attributes", "name", "kind", "type",
    ]

    /// Quantifiers say how many, never what.
    package static let quantifiers: Set<String> = ["all", "every", "everything", "each", "both", "multiple", "several", "many", "few", "some", "any"]

    /// Determiners: after a noun, one starts a clause ("the organizations *a* user belongs to").
    package static let determiners: Set<String> = ["a", "an", "the", "this", "that", "these", "those", "which", "who", "whose", "where"]

    /// Words that refer to the one asking; never the thing asked about.
    package static let pronouns: Set<String> = ["i", "me", "my", "mine", "myself", "you", "your", "it", "its", "we", "us", "our"]

    /// Particles of phrasal verbs: "log out", "roll back", "sign in", "set up".
    package static let particles: Set<String> = ["out", "up", "in", "back", "off", "on", "down", "over"]

    /// Verbs that move something, whose direction says whether it is read or written:
    /// "copy files *out of* a container" reads, "copy files *into* it" writes.
    package static let transfers: Set<String> = ["copy", "cp", "move", "mv", "transfer", "sync", "synchronize"]
    package static let outward: Set<String> = ["out", "from"]
    package static let inward: Set<String> = ["into", "to", "onto", "in"]

    /// Words that, followed by a gerund, ask for the opposite action: "stop watching" → unwatch.
    package static let negations: Set<String> = ["stop", "quit", "cease"]

    /// Words that carry no meaning in a request for an operation.
    package static let stopwords: Set<String> = [
        "a", "an", "the", "of", "for", "in", "on", "to", "from", "with", "by", "at", "into", "onto", "and", "or", "is", "are",
        "was", "be", "been", "it", "its", "this", "that", "these", "those", "some", "any", "please", "can", "could", "would",
        "should", "how", "do", "does", "did", "what", "which", "who", "whom", "whose", "whether", "if", "there", "their",
        "them", "they", "so", "as", "via", "using", "given", "specific", "certain", "want", "need", "we", "our", "you",
        "your", "has", "have", "had", "am", "will", "just", "then", "than", "out", "up", "about", "over", "across",
        "between", "each", "every", "one", "api", "endpoint", "operation", "function", "call", "way", "another", "other",
        "different", "again", "also", "too", "still", "back", "off", "down", "single", "particular",
        "individual",
    ]

    /// The intents an operation has from its HTTP method and path shape: a GET on an item
    /// reads it, a GET on a collection lists it, a POST to a collection creates in it, a
    /// PUT on a member of a collection adds or replaces it, PATCH updates, DELETE deletes.
    package static func intents(method: String?, path: String?) -> [(term: String, weight: Double)] {
        guard let method = method?.uppercased(), let path, !path.isEmpty else { return [] }
        var segments = path.split(separator: "/").map(String.init)
        // A trailing format segment (`/containers/json`) names the encoding, not the resource.
        while let last = segments.last, ["json", "xml", "yaml", "yml"].contains(last.lowercased()) { segments.removeLast() }
        let isParam = { (s: String) in s.hasPrefix("{") }
        let onItem = segments.last.map(isParam) ?? false
        let collection = segments.last.map { !isParam($0) && isPlural($0) } ?? false
        let parentIsCollection = segments.count >= 2 && !isParam(segments[segments.count - 2]) && isPlural(segments[segments.count - 2])
        let whole: [(term: String, weight: Double)] = collection ? [(self.collection, 1)] : []
        switch method {
        case "GET":
            if onItem { return [(read, 1)] }
            return collection ? [(list, 1), (read, 0.3)] + whole : [(read, 1), (list, 0.3)]
        case "HEAD": return [(read, 0.5)]
        case "POST":
            // RPC style: `POST /services/{id}/update`, `POST /containers/prune` do what they say.
            if let last = segments.last, !isParam(last), let said = verbIntents(last) { return said + [(write, 1)] }
            if collection || ["create", "new", "add"].contains(segments.last?.lowercased() ?? "") { return [(create, 1), (write, 1)] }
            return [(create, 0.3), (write, 1)]
        case "PUT": return (onItem && parentIsCollection ? [(update, 1), (create, 0.7)] : [(update, 1), (create, 0.3)]) + [(write, 1)]
        case "PATCH": return [(update, 1), (write, 1)] + whole
        case "DELETE": return [(delete, 1), (write, 1)] + whole
        default: return []
        }
    }

    /// The resource an operation acts on: its last literal path segment, skipping a format
    /// (`/containers/{id}/json`) and a CRUD verb (`/networks/create`, `/repos/search`)
    /// — as its words (`dagRuns` → dag, runs). For a tool, the last word of its name.
    package static func resource(method: String?, path: String?, name: String) -> [String]? {
        var segments: [[String]]
        if let path, method != nil {
            segments = path.split(separator: "/").filter { !$0.hasPrefix("{") }.map { SearchAnalyzer.runs(String($0)).flatMap { $0 } }.filter { !$0.isEmpty }
            while let last = segments.last, last.count == 1, ["json", "xml", "yaml", "yml"].contains(last[0]) { segments.removeLast() }
        } else {
            segments = SearchAnalyzer.runs(name)
        }
        while segments.count > 1, let last = segments.last, last.count == 1, isIntentVerb(last[0]) { segments.removeLast() }
        return segments.last
    }

    /// The CRUD intents a verb asks for (`update` → update), nil for other words.
    private static func verbIntents(_ word: String) -> [(term: String, weight: Double)]? {
        verbIntentTable[PorterStemmer.stem(word.lowercased())]
    }

    private static let verbIntentTable: [String: [(term: String, weight: Double)]] = {
        var table: [String: [(term: String, weight: Double)]] = [:]
        for group in groups {
            let crud = group.intents.filter { $0.term != write && $0.term != collection && $0.weight >= 1 }
            guard !crud.isEmpty else { continue }
            for word in group.words { table[PorterStemmer.stem(word), default: []].append(contentsOf: crud) }
        }
        return table
    }()

    /// Whether `word` is a verb of the CRUD intents (`get`, `add`, `set`, `list`, …).
    package static func isIntentVerb(_ word: String) -> Bool {
        intentVerbStems.contains(PorterStemmer.stem(word))
    }

    /// Whether `word` names an action (any word of a verb group, in any form).
    package static func isVerb(_ word: String) -> Bool {
        verbStems.contains(PorterStemmer.stem(word))
    }

    /// Verbs of the CRUD intents: as a last path segment they name the operation
    /// (`/networks/create`), while others name a sub-resource (`/containers/{id}/start`).
    private static let intentVerbStems: Set<String> = Set(groups.filter { g in g.intents.contains { $0.term != write && $0.term != collection } }
        .flatMap { $0.words.map { PorterStemmer.stem($0) } })

    private static let verbStems: Set<String> = Set(groups.filter(\.verb).flatMap { $0.words.map { PorterStemmer.stem($0) } })

    /// An English plural noun, roughly: `pods`, `dagRuns`, `policies`, not `status` or `access`.
    package static func isPlural(_ segment: String) -> Bool {
        let s = segment.lowercased()
        guard s.count > 3, s.hasSuffix("s") else { return false }
        return !s.hasSuffix("ss") && !s.hasSuffix("us") && !s.hasSuffix("is")
    }
}
