import EventLog
import Synchronization

/// Today's date in UTC (`YYYY-MM-DD`), formatted once per day: the default "as of" date of the
/// queries, and part of their cache keys.
enum Today {
    private static let cached = Mutex<(day: Int64, text: String)>((-1, ""))

    static var utc: String {
        let day = Timestamp.nowMicroseconds() / 86_400_000_000
        return cached.withLock { cached in
            if cached.day != day {
                cached = (day, String(Timestamp.format(microseconds: day * 86_400_000_000).prefix(10)))
            }
            return cached.text
        }
    }
}
