import Foundation

/// Writes files so that a failure leaves no partial output: every file goes to a temporary in
/// its destination directory first, and only when all are written are they renamed into place.
enum AtomicWriter {
    static func write(_ files: [(path: String, text: String)]) throws {
        var temps: [(String, String)] = []
        defer { for (tmp, _) in temps { unlink(tmp) } }
        for (path, text) in files {
            let tmp = path + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else {
                throw CLIError("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
            temps.append((tmp, path))
        }
        for (tmp, path) in temps {
            guard rename(tmp, path) == 0 else {
                throw CLIError("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
        }
        temps.removeAll()
    }
}
