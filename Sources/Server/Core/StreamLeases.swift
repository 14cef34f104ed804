import Hummingbird
import Synchronization

/// Counts the live event streams (`/v1/stream`) per token and in all, so that no token — nor
/// all of them together — can hold more than its share of connections and their buffers.
final class StreamLeases: Sendable {
    let perToken: Int
    let total: Int
    private let open = Mutex<(byToken: [String: Int], total: Int)>(([:], 0))

    init(perToken: Int, total: Int) {
        self.perToken = perToken
        self.total = total
    }

    /// One open stream; ``close()`` gives its place back (once).
    final class Lease: Sendable {
        private let closeOnce: Mutex<(@Sendable () -> Void)?>

        init(_ close: @escaping @Sendable () -> Void) {
            closeOnce = Mutex(close)
        }

        func close() {
            let close = closeOnce.withLock { body -> (@Sendable () -> Void)? in
                defer { body = nil }
                return body
            }
            close?()
        }

        deinit { close() }
    }

    /// Takes a place for `token`, or throws 429 (this token has too many) or 503 (the server does).
    func open(for token: String) throws -> Lease {
        let refusal = open.withLock { open -> Problem? in
            if open.byToken[token, default: 0] >= perToken {
                return Problem(
                    .tooManyRequests, "this token already has \(perToken) event streams open; close one before opening another",
                    headers: [.retryAfter: "5"])
            }
            if open.total >= total {
                return Problem(.serviceUnavailable, "the server already serves \(total) event streams; retry later", headers: [.retryAfter: "30"])
            }
            open.byToken[token, default: 0] += 1
            open.total += 1
            return nil
        }
        if let refusal { throw refusal }
        return Lease { [self] in
            open.withLock { open in
                open.byToken[token, default: 1] -= 1
                if open.byToken[token] == 0 { open.byToken[token] = nil }
                open.total -= 1
            }
        }
    }

    /// Streams open now.
    var count: Int { open.withLock { $0.total } }
}
