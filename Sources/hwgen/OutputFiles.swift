import Foundation

/// Publishes all the output files of one command together, or none of them.
///
/// * Each path is resolved first: a symlink is published at its target (the place the user
///   named through it), a directory is an error, a device or FIFO (`/dev/null`, a named pipe) is
///   written directly — never replaced by a regular file.
/// * Two outputs naming the same file (by path, through a symlink, or a hard link) are an error
///   before anything is written.
/// * Regular files are written to fresh temporaries beside their targets (`O_EXCL | O_NOFOLLOW`,
///   so no existing file or symlink is followed), then renamed into place one by one; a file being
///   replaced keeps a hard-link backup until every output is published, so a failure part way
///   restores what was there. A replaced file keeps its permissions.
enum OutputFiles {
    enum Kind { case create, replace(mode: mode_t), stream }

    struct Target {
        let named: String
        /// Where the bytes go (the symlink's final target for a symlink).
        let path: String
        let kind: Kind
        /// What identifies the file: device and inode when it exists, else its resolved path.
        let identity: String
    }

    static func error(_ path: String, _ what: String) -> CLIError { CLIError("cannot write '\(path)': \(what)") }
    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Resolves `named` to the file the bytes should reach.
    static func resolve(_ named: String) throws -> Target {
        var path = named
        for _ in 0..<40 {
            var st = stat()
            if lstat(path, &st) != 0 {
                guard errno == ENOENT else { throw error(named, errnoText()) }
                // A new file: its directory must exist.
                let url = URL(fileURLWithPath: path)
                let dir = url.deletingLastPathComponent().path
                var ds = stat()
                guard stat(dir, &ds) == 0, (ds.st_mode & S_IFMT) == S_IFDIR else {
                    throw error(named, "no such directory '\(dir)'")
                }
                let real = realpath(dir, nil).map { p -> String in defer { free(p) }; return String(cString: p) } ?? dir
                return Target(named: named, path: path, kind: .create, identity: "new:" + real + "/" + url.lastPathComponent)
            }
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(path, &buf, buf.count - 1)
                guard n >= 0 else { throw error(named, errnoText()) }
                let target = String(cString: Array(buf[0..<n]) + [0])
                path = target.hasPrefix("/") ? target : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(target).path
                continue
            case S_IFDIR:
                throw error(named, "it is a directory")
            case S_IFREG:
                return Target(named: named, path: path, kind: .replace(mode: st.st_mode & 0o7777), identity: "inode:\(st.st_dev):\(st.st_ino)")
            default:
                return Target(named: named, path: path, kind: .stream, identity: "inode:\(st.st_dev):\(st.st_ino)")
            }
        }
        throw error(named, "too many levels of symbolic links")
    }

    /// Writes every (path, text) or none; throws a ``CLIError`` naming the first problem.
    static func write(_ files: [(path: String, text: String)]) throws {
        let targets = try files.map { try resolve($0.path) }
        var seen: [String: String] = [:]
        for t in targets {
            if case .stream = t.kind, t.path.hasPrefix("/dev/") { continue }  // /dev/null twice is fine
            if let other = seen[t.identity] {
                throw CLIError("'\(other)' and '\(t.named)' name the same file: give each output its own path")
            }
            seen[t.identity] = t.named
        }
        var temps: [(Target, String)] = []
        var published: [(Target, backup: String?)] = []
        var done = false
        defer {
            for (_, tmp) in temps { unlink(tmp) }
            if !done {
                // Roll back what was published: restore a backup, or remove a new file.
                for (t, backup) in published.reversed() {
                    if let b = backup { rename(b, t.path) } else { unlink(t.path) }
                }
            } else {
                for (_, backup) in published { if let b = backup { unlink(b) } }
            }
        }
        for (t, (_, text)) in zip(targets, files) {
            if case .stream = t.kind { continue }
            let dir = URL(fileURLWithPath: t.path).deletingLastPathComponent().path
            let name = URL(fileURLWithPath: t.path).lastPathComponent
            let tmp = dir + "/.\(name).hwgen-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            var mode: mode_t = 0o666
            if case .replace(let m) = t.kind { mode = m }
            let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            guard fd >= 0 else { throw error(t.named, errnoText()) }
            temps.append((t, tmp))
            let ok = writeAll(fd, text)
            let closed = close(fd) == 0
            guard ok, closed else { throw error(t.named, errnoText()) }
            if case .replace(let m) = t.kind { chmod(tmp, m) }  // the umask may have cleared bits
        }
        for (t, tmp) in temps {
            var backup: String?
            if case .replace = t.kind {
                let b = tmp + ".old"
                if link(t.path, b) == 0 { backup = b }
            }
            guard rename(tmp, t.path) == 0 else {
                let e = errnoText()
                if let b = backup { unlink(b) }
                throw error(t.named, e)
            }
            published.append((t, backup))
        }
        temps.removeAll()
        for (t, (_, text)) in zip(targets, files) {
            guard case .stream = t.kind else { continue }
            let fd = open(t.path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw error(t.named, errnoText()) }
            let ok = writeAll(fd, text)
            let closed = close(fd) == 0
            guard ok, closed else { throw error(t.named, errnoText()) }
        }
        done = true
    }

    /// Writes all of `text`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
    }
}
