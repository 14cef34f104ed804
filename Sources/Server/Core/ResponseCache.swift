import Hummingbird
import Synchronization

/// Answers of read-model queries kept until their read model moves: a key (route, query
/// string, format, the caller's scope, the day) maps to the bytes last sent and the seq they
/// reflect; an entry is used only while the read model's committed seq is still that seq.
/// Bounded: when it holds `capacity` entries it starts again empty.
final class ResponseCache: Sendable {
    struct Entry: Sendable {
        var seq: UInt64
        var response: CachedResponse
    }

    struct CachedResponse: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer

        var response: Response { Response(status: status, headers: headers, body: .init(byteBuffer: body)) }
    }

    let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    func lookup(_ key: String, seq: UInt64) -> Response? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.seq == seq else { return nil }
            return entry.response.response
        }
    }

    func store(_ key: String, seq: UInt64, _ response: CachedResponse) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(seq: seq, response: response)
        }
    }
}
