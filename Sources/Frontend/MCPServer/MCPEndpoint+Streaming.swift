import Foundation
import Hummingbird
import JunctionCore
import Logging
import Runs
import Synchronization

/// `tools/call` answered as an SSE stream: keep-alive comments while the run lasts,
/// `notifications/progress` when the request carries a progress token, then the
/// response. A client that closes the stream cancels its run.
extension MCPEndpoint {
    func streamRun(_ pending: RunDispatcher.Pending, progressToken: JSONValue?, context: CallContext) -> Response {
        let keepAlive = self.keepAlive
        let logger = self.logger
        let body = ResponseBody { writer in
            let (chunks, sink) = AsyncStream<ByteBuffer>.makeStream()
            let last = Mutex<Double>(-1)
            var onProgress: (@Sendable (RunDispatcher.Progress) async -> Void)?
            if let token = progressToken {
                onProgress = { @Sendable progress in
                    // Progress must only increase; events of concurrent calls may arrive out of order.
                    let fresh = last.withLock { l -> Bool in
                        guard progress.progress > l else { return false }
                        l = progress.progress
                        return true
                    }
                    guard fresh else { return }
                    var p: [String: JSONValue] = ["progressToken": token, "progress": .number(progress.progress)]
                    if let message = progress.message { p["message"] = .string(message) }
                    sink.yield(SSE.message(JSONRPC.notification("notifications/progress", params: .object(p))))
                }
            }
            let progressHandler = onProgress
            let run = Task {
                let result = await dispatcher.finish(pending, onProgress: progressHandler)
                if !Task.isCancelled { sink.yield(SSE.message(Self.message(.result(Self.toolResult(result, version: context.version)), context: context))) }
                sink.finish()
            }
            let ticker = keepAlive.add(sink)
            defer { keepAlive.remove(ticker) }
            var clientGone = false
            for await chunk in chunks {
                do { try await writer.write(chunk) } catch {
                    clientGone = true
                    break
                }
            }
            if clientGone {
                // Closing the stream is the client's cancellation (2026-07-28 §Cancellation).
                logger.info("client closed the response stream; cancelling its run")
                run.cancel()
                return
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: SSE.headers, body: body)
    }
}
