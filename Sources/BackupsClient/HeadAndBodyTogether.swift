import NIOCore
import NIOHTTP1

/// Sends a request's head and body in one write. AsyncHTTPClient flushes the head of a request
/// that has a body on its own and the body just after: two writes, two TCP segments and two
/// wake-ups of the server for every POST and PATCH. Placed between AsyncHTTPClient and the HTTP
/// encoder, this holds the head's flush back to the end of the event loop's current turn, by
/// which time the body has been written behind it when the request and its connection share a
/// loop (as the pool prefers). The held flush always happens then: nothing waits longer than a
/// turn, and a body that comes later goes out on its own, as before.
final class HeadAndBodyTogether: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private var headLast = false
    private var flushHeld = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) { headLast = true } else { headLast = false }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        guard headLast else {
            flushHeld = false
            context.flush()
            return
        }
        guard !flushHeld else { return }
        flushHeld = true
        context.eventLoop.assumeIsolated().execute {
            guard self.flushHeld else { return }
            self.flushHeld = false
            context.flush()
        }
    }

    /// For `HTTPClient.Configuration.http1_1ConnectionDebugInitializer`: installs the handler
    /// on each new HTTP/1.1 connection.
    @Sendable static func install(on channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            let encoder = try pipeline.handler(type: HTTPRequestEncoder.self)
            try pipeline.addHandler(HeadAndBodyTogether(), position: .after(encoder))
        }
    }
}
