import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem document in the contract's shape:
/// `{type, title, status, detail, error, request_id, errors?, …extensions}`.
struct ProblemDocument: Sendable {
    var status: Int
    var code: ErrorCode
    var detail: String
    var requestID: String?
    var fieldErrors: [GatehouseError.FieldError] = []
    var extensions: [String: ProblemValue] = [:]
    var headers: [String: String] = [:]

    init(_ error: GatehouseError, requestID: String?, status: Int? = nil) {
        self.status = status ?? error.code.status
        self.code = error.code
        self.detail = error.detail
        self.requestID = requestID
        self.fieldErrors = error.fieldErrors
        self.extensions = error.extensions
        self.headers = error.headers
    }

    func jsonData() -> Data {
        var object: [String: Any] = [
            "type": "https://gatehouse.dev/problems/\(code.rawValue)",
            "title": code.title,
            "status": status,
            "detail": detail,
            "error": code.rawValue,
            "request_id": requestID ?? NSNull(),
        ]
        if !fieldErrors.isEmpty {
            object["errors"] = fieldErrors.map { ["field": $0.field, "message": $0.message] }
        }
        for (key, value) in extensions where object[key] == nil {
            switch value {
            case .string(let text): object[key] = text
            case .int(let number): object[key] = number
            }
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    func response() -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(
            status: .init(code: status),
            headers: fields,
            body: .init(byteBuffer: ByteBuffer(data: jsonData()))
        )
    }
}
