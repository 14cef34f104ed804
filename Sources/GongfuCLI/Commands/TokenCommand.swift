import Access
import ArgumentParser
import Foundation

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the daemon's bearer tokens (only their SHA-256 is stored).",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token; prints its secret once, alone on the last line.")

        @OptionGroup var options: DataOptions
        @Option(help: "province, auditor, city:<GB/T 2260 city code> (e.g. city:370200) or county:<county code> (e.g. county:370211).")
        var role: String
        @Option(help: "Who the token is for (shown in logs and `token list`).")
        var name: String?

        func validate() throws {
            do { _ = try TokenStore.role(role) } catch {
                throw ValidationError(
                    "--role \(role) is not a token role: use province, auditor, city:<code> of one of Shandong's 16 cities (e.g. city:370200) or county:<code> of one of their counties (e.g. county:370211)."
                )
            }
            if let name {
                do { _ = try TokenStore.name(name) } catch {
                    throw ValidationError("--name: \(error); give a name of one line, e.g. --name \"青岛市工信局\".")
                }
            }
        }

        func run() throws {
            let store = try TokenStore(directory: options.data)
            let (record, secret) = try store.add(role: try TokenStore.role(role), name: name ?? role)
            print("token \(record.id) for \(record.name) (\(record.role.name)); keep the secret below, it is not shown again:")
            print(secret)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens: id, name, role, created, revoked.")

        @OptionGroup var options: DataOptions

        func run() throws {
            let store = try TokenStore(directory: options.data)
            print("id            name                  role           created               revoked")
            for token in try store.list() {
                let name = token.name.padding(toLength: max(20, token.name.count), withPad: " ", startingAt: 0)
                let role = token.role.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                print("\(token.id)  \(name)  \(role)  \(token.created)  \(token.revoked ?? "-")")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by its id (or its name, if only one active token has it); the daemon refuses it at once.")

        @OptionGroup var options: DataOptions
        @Argument(help: "The token's id (from `token list`) or name.")
        var token: String

        func run() throws {
            let record = try TokenStore(directory: options.data).revoke(token)
            print("revoked \(record.id) (\(record.name), \(record.role.name)) at \(record.revoked ?? "")")
        }
    }
}
