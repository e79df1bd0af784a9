import Foundation
import JunctionCore
import SourceAccess
import Store
@testable import Upstream
@testable import Worker
import XCTest

/// How a sandbox call becomes an HTTP request: encoding, styles, bodies, credentials.
final class OpenAPIRequestBuilderTests: XCTestCase {
    private func builder(_ path: String, method: String = "GET", parameters: [JSONValue] = [], contentTypes: [String] = []) -> OpenAPIRequestBuilder {
        OpenAPIRequestBuilder(callName: "t_op", details: ["method": .string(method), "path": .string(path),
                                                          "parameters": .array(parameters), "contentTypes": .array(contentTypes.map { .string($0) })],
                              baseURL: "https://api.example.com/v1/")
    }

    private func param(_ name: String, _ loc: String, style: String, explode: Bool) -> JSONValue {
        ["name": .string(name), "in": .string(loc), "style": .string(style), "explode": .bool(explode)]
    }

    func testPathParametersCannotAddOrRemoveSegments() throws {
        let b = builder("/files/{name}/meta")
        for (value, expected) in [("../../admin", "..%2F..%2Fadmin"), ("a/b", "a%2Fb"), ("..", "%2E%2E"), (".", "%2E"),
                                  ("x?y=1#z", "x%3Fy%3D1%23z"), ("sp ace", "sp%20ace"), ("%2F", "%252F"), ("ü", "%C3%BC")] {
            let r = try b.build(args: ["params": ["name": .string(value)]], credential: Credential?.none)
            XCTAssertEqual(r.url.absoluteString, "https://api.example.com/v1/files/\(expected)/meta", value)
            XCTAssertEqual(URLComponents(url: r.url, resolvingAgainstBaseURL: false)?.percentEncodedPath.split(separator: "/").count, 4, value)
        }
        XCTAssertThrowsError(try b.build(args: [:], credential: Credential?.none))
        let label = builder("/x/{id}", parameters: [param("id", "path", style: "label", explode: false)])
        XCTAssertEqual(try label.build(args: ["params": ["id": [1, 2]]], credential: Credential?.none).url.path, "/v1/x/.1,2")
        let matrix = builder("/x/{id}", parameters: [param("id", "path", style: "matrix", explode: true)])
        XCTAssertEqual(try matrix.build(args: ["params": ["id": ["a", "b/c"]]], credential: Credential?.none).url.absoluteString,
                       "https://api.example.com/v1/x/;id=a;id=b%2Fc")
    }

    func testQueryStyles() throws {
        let b = builder("/q", parameters: [
            param("form", "query", style: "form", explode: true), param("csv", "query", style: "form", explode: false),
            param("space", "query", style: "spaceDelimited", explode: false), param("pipe", "query", style: "pipeDelimited", explode: false),
            param("deep", "query", style: "deepObject", explode: true), param("obj", "query", style: "form", explode: false),
        ])
        var query: [String: JSONValue] = [:]
        query["form"] = ["a", "b&c"]
        query["csv"] = [1, 2]
        query["space"] = ["x", "y"]
        query["pipe"] = ["x", "y"]
        query["deep"] = ["role": "admin", "name": ["first": "A"]]
        query["obj"] = ["k": "v", "n": 1]
        query["free"] = ["q": "x"]
        query["flag"] = true
        query["skip"] = .null
        let r = try b.build(args: .object(["query": .object(query)]), credential: Credential?.none)
        XCTAssertEqual(r.url.query, "csv=1,2&deep%5Bname%5D%5Bfirst%5D=A&deep%5Brole%5D=admin&flag=true&form=a&form=b%26c"
                       + "&q=x&obj=k,v,n,1&pipe=x%7Cy&space=x%20y")
    }

    func testHeadersCookiesAndInjection() throws {
        let b = builder("/h")
        let r = try b.build(args: ["headers": ["X-Trace": "abc", "X-List": [1, 2], "Host": "evil", "Content-Length": "1"],
                                   "cookies": ["session": "a b;c"]], credential: Credential?.none)
        XCTAssertEqual(r.header("X-Trace"), "abc")
        XCTAssertEqual(r.header("X-List"), "1,2")
        XCTAssertNil(r.header("Host"))
        XCTAssertNil(r.header("Content-Length"))
        XCTAssertEqual(r.header("Cookie"), "session=a%20b%3Bc")
        XCTAssertThrowsError(try b.build(args: ["headers": ["X-A": "x\r\nX-Injected: 1"]], credential: Credential?.none))
        XCTAssertThrowsError(try b.build(args: ["headers": ["Bad Name": "x"]], credential: Credential?.none))
        XCTAssertThrowsError(try b.build(args: ["cookies": ["a=b": "x"]], credential: Credential?.none))
        XCTAssertThrowsError(try b.build(args: "not an object", credential: Credential?.none))
    }

    func testCredentialIsAppliedLastAndCannotBeOverridden() throws {
        let b = builder("/c")
        let api = Origin(string: "https://api.example.com")!
        let args: JSONValue = ["headers": ["Authorization": "Bearer mine", "x-api-key": "mine"], "query": ["api_key": "mine", "other": "1"]]
        let bearer = try b.build(args: args, credential: Credential(type: .bearer, name: nil, secret: "S", origin: api))
        XCTAssertEqual(bearer.headers.filter { $0.0.lowercased() == "authorization" }.map(\.1), ["Bearer S"])
        XCTAssertEqual(bearer.sensitiveHeaders, ["authorization"])
        let header = try b.build(args: args, credential: Credential(type: .header, name: "X-API-Key", secret: "S", origin: api))
        XCTAssertEqual(header.headers.filter { $0.0.lowercased() == "x-api-key" }.map(\.1), ["S"])
        let query = try b.build(args: args, credential: Credential(type: .query, name: "api_key", secret: "S&x=1", origin: api))
        XCTAssertEqual(query.url.query, "other=1&api_key=S%26x%3D1")
        let basic = try b.build(args: args, credential: Credential(type: .basic, name: nil, secret: "u:p", origin: api))
        XCTAssertEqual(basic.headers.filter { $0.0.lowercased() == "authorization" }.map(\.1), ["Basic dTpw"])
    }

    func testBodies() throws {
        let json = try builder("/b", method: "POST", contentTypes: ["application/json"]).build(args: ["body": ["a": 1]], credential: Credential?.none)
        XCTAssertEqual(json.header("Content-Type"), "application/json")
        XCTAssertEqual(String(decoding: json.body!, as: UTF8.self), #"{"a":1}"#)

        let form = try builder("/b", method: "POST", contentTypes: ["application/x-www-form-urlencoded"])
            .build(args: ["body": ["name": "a b", "tags": ["x", "y"], "n": 2]], credential: Credential?.none)
        XCTAssertEqual(String(decoding: form.body!, as: UTF8.self), "n=2&name=a%20b&tags=x&tags=y")

        let multipart = try builder("/b", method: "POST", contentTypes: ["multipart/form-data"]).build(
            args: ["body": ["note": "hi", "file": ["base64": "AAEC", "filename": "f.bin", "contentType": "application/octet-stream"]]],
            credential: Credential?.none, boundary: "BOUND")
        XCTAssertEqual(multipart.header("Content-Type"), "multipart/form-data; boundary=BOUND")
        let expected = "--BOUND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        var want = Data(expected.utf8)
        want.append(contentsOf: [0, 1, 2])
        want.append(Data("\r\n--BOUND\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--BOUND--\r\n".utf8))
        XCTAssertEqual(multipart.body, want)

        let text = try builder("/b", method: "PUT", contentTypes: ["text/plain"]).build(args: ["body": "raw text"], credential: Credential?.none)
        XCTAssertEqual(text.body, Data("raw text".utf8))
        let bytes = try builder("/b", method: "PUT", contentTypes: ["application/octet-stream"]).build(args: ["body": ["base64": "/wA="]], credential: Credential?.none)
        XCTAssertEqual(bytes.body, Data([0xFF, 0x00]))
        let chosen = try builder("/b", method: "PUT", contentTypes: ["application/json", "application/xml"])
            .build(args: ["body": "<a/>", "contentType": "application/xml"], credential: Credential?.none)
        XCTAssertEqual(chosen.header("Content-Type"), "application/xml")
        XCTAssertEqual(chosen.body, Data("<a/>".utf8))
    }

    func testResponseDecoding() {
        func response(_ type: String?, _ body: Data) -> UpstreamResponse {
            UpstreamResponse(status: 200, headers: type.map { [("Content-Type", $0)] } ?? [], body: body, url: URL(string: "https://x")!)
        }
        XCTAssertEqual(OpenAPICaller.decodeBody(response("application/json; charset=utf-8", Data(#"{"a":[1]}"#.utf8))), ["a": [1]])
        XCTAssertEqual(OpenAPICaller.decodeBody(response("application/problem+json", Data(#"{"e":1}"#.utf8))), ["e": 1])
        XCTAssertEqual(OpenAPICaller.decodeBody(response("text/html", Data("<p>".utf8))), "<p>")
        XCTAssertEqual(OpenAPICaller.decodeBody(response("image/png", Data([0x89, 0x50]))), ["base64": "iVA=", "contentType": "image/png"])
        XCTAssertEqual(OpenAPICaller.decodeBody(response(nil, Data([0, 1]))), ["base64": "AAE=", "contentType": "application/octet-stream"])
        let rendered = OpenAPICaller.render(UpstreamResponse(status: 429, headers: [
            ("Content-Type", "application/json"), ("Retry-After", "3"), ("X-RateLimit-Remaining", "0"), ("Link", "<a>; rel=next"),
            ("X-Request-Id", "r1"), ("Set-Cookie", "s=1"), ("Server", "x")], body: Data("{}".utf8), url: URL(string: "https://x")!), method: "GET")
        XCTAssertEqual(rendered["status"], 429)
        XCTAssertEqual(Set(rendered["headers"]?.objectValue?.keys ?? [:].keys),
                       ["content-type", "retry-after", "x-ratelimit-remaining", "link", "x-request-id"])
    }
}
