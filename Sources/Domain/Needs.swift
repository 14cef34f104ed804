import Foundation

/// The reference list of enterprises' needs and difficulties in transformation (企业数字化转型中
/// 存在的需求和困难, ledger task 8), as data (`Resources/needs.json`): diagnosis visits and
/// assessments name them by id, with free text beside.
///
/// ```swift
/// Needs.standard.category("funding")?.title   // "资金不足、不能转"
/// ```
public struct Needs: Sendable, Decodable {
    /// One need or difficulty.
    public struct Category: Sendable, Decodable {
        public let id: String
        /// `need` (需求) or `difficulty` (困难).
        public let group: String
        public let title: String
    }

    public let version: Int
    public let categories: [Category]

    /// The list shipped with Gongfu.
    public static let standard: Needs = BundledResource.decode("needs")

    /// The ids, in list order.
    public var ids: [String] { categories.map(\.id) }

    /// The category with `id`, if the list has it.
    public func category(_ id: String) -> Category? { categories.first { $0.id == id } }
}
