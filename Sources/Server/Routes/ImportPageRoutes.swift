import Access
import Dashboard
import Domain
import EventLog
import Foundation
import Hummingbird
import Projections

/// `/imports/assessments`: the province uploads the assessment platform's export in the
/// browser. The upload is checked as `gongfu import --assessments --dry-run` checks it — every
/// refused row, and per year and city what the import would change — and kept under
/// `DIR/uploads/`; a second form confirms it, and the same rows go through the one intake.
/// Nothing is appended before the confirmation.
struct ImportPageRoutes {
    let daemon: Daemon
    let imports: ImportRoutes

    var uploads: String { daemon.configuration.dataDirectory + "/uploads" }

    func add(to router: Router<GongfuRequestContext>) {
        router.get("imports/assessments") { request, context in
            let identity = try context.requireIdentity()
            try ImportRoutes.requireProvince(identity)
            let secret = Authentication.cookie(in: request) ?? ""
            let body = """
                <section><h2>上传评估平台导出文件</h2>
                <p>CSV（UTF-8 或 Excel 另存的 GB18030），列同 <code>gongfu import --assessments</code>。上传后先显示各市将发生的变化与拒收的行，确认后才记录。</p>
                <form class="record" method="post" action="/imports/assessments" enctype="multipart/form-data">
                <input type="hidden" name="csrf" value="\(FormToken.value(for: secret))">
                <label for="file">文件</label><input id="file" name="file" type="file" accept=".csv,text/csv" required>
                <label for="registerMissing"><input id="registerMissing" name="registerMissing" type="checkbox" value="1"> 登记文件中首次出现的企业</label>
                <label for="skipInvalid"><input id="skipInvalid" name="skipInvalid" type="checkbox" value="1"> 只记录有效的行</label>
                <button type="submit">预览</button>
                </form></section>
                """
            return page(identity, body: body, seq: daemon.log.size)
        }
        router.post("imports/assessments") { request, context in
            try await post(request, context: context)
        }
    }

    func page(_ identity: Identity, body: String, seq: UInt64, status: HTTPResponse.Status = .ok) -> Response {
        PageRoutes.html(
            PageLayout(viewer: PageRoutes.viewer(identity), seq: seq).page(
                title: "导入年度评估结果", crumbs: [("山东省", PageLayout.regionHref(CoverageReadModel.province)), ("导入评估结果", nil)], body: body),
            status: status)
    }

    /// An upload (multipart: preview) or a confirmation (a form naming the kept upload: import).
    func post(_ request: Request, context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try ImportRoutes.requireProvince(identity)
        guard Authentication.isSameOrigin(request), let secret = Authentication.cookie(in: request) else {
            throw Problem(.forbidden, "an upload must be posted from this server's own page, logged in at /login")
        }
        let body = try await imports.file(request)
        let contentType = request.headers[.contentType] ?? ""
        if contentType.hasPrefix("multipart/form-data") {
            let form = try MultipartForm(contentType: contentType, body: Array(buffer: body))
            guard let sent = form.text("csrf"), FormToken.isValid(sent, for: secret) else {
                throw Problem(.forbidden, "the form's check value is missing or wrong: reload the upload page and try again")
            }
            guard let file = form["file"], !file.bytes.isEmpty else { throw Problem(.badRequest, "choose the CSV file to upload") }
            let registerMissing = form.text("registerMissing") == "1"
            let skipInvalid = form.text("skipInvalid") == "1"
            let checked = try await imports.check(file.bytes, registerMissing: registerMissing, by: identity)
            let preview = try await imports.preview(checked)
            let upload = UUID().uuidString.lowercased()
            try keep(file.bytes, as: upload)
            var html = "<section><h2>预览：\((file.filename ?? "上传的文件").escapedForHTML)</h2>"
            html +=
                "<p id=\"summary\">可记录评估 <strong>\(checked.assessed.count)</strong> 条，登记企业 \(checked.registrations) 家，拒收 <strong>\(checked.refusedRows)</strong> 行。尚未记录任何内容。</p>"
            html += PageLayout.table(preview, id: "preview", caption: "各年度、各市将发生的变化") + refusedTable(checked)
            if checked.refusedRows == 0 || skipInvalid {
                html += """
                    <form class="record" method="post" action="/imports/assessments">
                    <input type="hidden" name="csrf" value="\(FormToken.value(for: secret))"><input type="hidden" name="upload" value="\(upload)">
                    <input type="hidden" name="registerMissing" value="\(registerMissing ? "1" : "")"><input type="hidden" name="skipInvalid" value="\(skipInvalid ? "1" : "")">
                    <button type="submit">确认导入</button></form>
                    """
            } else {
                html += "<p class=\"error\" role=\"alert\">有拒收的行：改正后重新上传，或勾选“只记录有效的行”。</p>"
            }
            return page(identity, body: html + "</section>", seq: preview.seq)
        }
        let form = FormFields(String(buffer: body))
        guard let sent = form["csrf"], FormToken.isValid(sent, for: secret) else {
            throw Problem(.forbidden, "the form's check value is missing or wrong: reload the upload page and try again")
        }
        guard let upload = form["upload"], UUID(uuidString: upload) != nil,
            let bytes = FileManager.default.contents(atPath: uploads + "/\(upload).csv")
        else {
            throw Problem(.notFound, "that upload is not kept any more (it was imported, or is older than a day): upload the file again")
        }
        let checked = try await imports.check(Array(bytes), registerMissing: form["registerMissing"] == "1", by: identity)
        guard checked.refusedRows == 0 || form["skipInvalid"] == "1" else {
            return page(
                identity, body: "<p class=\"error\" role=\"alert\">文件中有拒收的行，未记录任何内容。</p>" + refusedTable(checked), seq: daemon.log.size,
                status: .unprocessableContent)
        }
        let results = checked.drafts.isEmpty ? [] : try await daemon.writer.append(checked.drafts, by: identity)
        try? FileManager.default.removeItem(atPath: uploads + "/\(upload).csv")
        let duplicates = results.filter(\.isDuplicate).count
        let seq = results.map(\.seq).max() ?? daemon.log.size
        let html = """
            <section><h2>已导入</h2><p class="notice" role="status" id="imported">新记录 <strong>\(results.count - duplicates)</strong> 个事件（此前已导入的 \(duplicates) 个不重复记录），日志序号至 \(seq)。</p>
            <p><a href="/regions/370000">查看全省数字</a></p></section>
            """ + refusedTable(checked)
        return page(identity, body: html, seq: seq)
    }

    /// Keeps an upload for its confirmation (readable by the daemon's user only); uploads older
    /// than a day are dropped.
    func keep(_ bytes: [UInt8], as upload: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: uploads, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let dayAgo = Date().addingTimeInterval(-86_400)
        for name in (try? manager.contentsOfDirectory(atPath: uploads)) ?? [] {
            let path = uploads + "/" + name
            if let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < dayAgo {
                try? manager.removeItem(atPath: path)
            }
        }
        guard manager.createFile(atPath: uploads + "/\(upload).csv", contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw Problem(.serviceUnavailable, "the upload could not be kept on the server's disk; try again later")
        }
    }

    func refusedTable(_ checked: AssessmentImport.Checked) -> String {
        guard !checked.refused.isEmpty else { return "" }
        var html =
            "<table id=\"refused\"><caption>拒收的行</caption><thead><tr><th scope=\"col\">行</th><th scope=\"col\">列</th><th scope=\"col\">原因</th></tr></thead><tbody>"
        for error in checked.refused.prefix(500) {
            html += "<tr><td>\(error.row)</td><td>\((error.column ?? "").escapedForHTML)</td><td>\(error.reason.escapedForHTML)</td></tr>"
        }
        return html + "</tbody></table>"
    }
}
