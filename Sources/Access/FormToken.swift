import Crypto
import Foundation

/// The value every page form carries against cross-site request forgery: derived from the
/// browser's login token (an HMAC of a fixed label under it), so a page of this daemon can put it
/// in its forms and another site, which cannot read the HttpOnly cookie, cannot.
public enum FormToken {
    /// The form value for a login token's secret.
    public static func value(for secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("gongfu-form-v1".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `sent` is the form value for `secret` (compared in constant time).
    public static func isValid(_ sent: String, for secret: String) -> Bool {
        let expected = Array(value(for: secret).utf8)
        let given = Array(sent.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
