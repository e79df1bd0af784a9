import Foundation

extension URL {
    /// `scheme://host[:port]` as written in the URL (for building base URLs).
    package var originString: String {
        var s = "\(scheme ?? "https")://\(host ?? "")"
        if let port { s += ":\(port)" }
        return s
    }
}
