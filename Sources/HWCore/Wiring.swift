/// A 2-D grid of instances of one module, with one-call wiring per signal group: chain along
/// rows, chain down columns, broadcast. This replaces per-signal copy-pasted wiring loops.
///
///     let grid = InstanceGrid(in: top, of: pe, rows: 4, cols: 4) { r, c in "pe_\(r)_\(c)" }
///     grid.chainRows(from: "out_a", to: "in_a", entering: inRow)   // west edge -> east
///     grid.chainColumns(from: "out_b", to: "in_b", entering: inCol) // north edge -> south
///     grid.broadcast("en", en)
public struct InstanceGrid {
    public let rows: Int
    public let cols: Int
    /// Instances, row-major: `cells[r][c]`.
    public let cells: [[Instance]]

    public init(in parent: Module, of module: Module, rows: Int, cols: Int,
                file: String = #fileID, line: Int = #line, name: (Int, Int) -> String) {
        self.rows = rows
        self.cols = cols
        cells = (0..<max(0, rows)).map { r in
            (0..<max(0, cols)).map { c in parent.instance(module, name(r, c), file: file, line: line) }
        }
    }

    public subscript(row: Int, col: Int) -> Instance { cells[row][col] }

    /// Chains each row west to east: `cells[r][0].to` is driven by `entering[r]`, and
    /// `cells[r][c].to` by `cells[r][c-1].from`. Returns the east edge (`cells[r][cols-1].from`).
    @discardableResult
    public func chainRows(from: String, to: String, entering: [Signal], file: String = #fileID, line: Int = #line) -> [Signal] {
        chainRows(from: from, to: to, entering: entering.map { Value.signal($0) }, file: file, line: line).map { $0.signal }
    }

    /// Chains each column north to south: `cells[0][c].to` is driven by `entering[c]`.
    /// Returns the south edge.
    @discardableResult
    public func chainColumns(from: String, to: String, entering: [Signal], file: String = #fileID, line: Int = #line) -> [Signal] {
        chainColumns(from: from, to: to, entering: entering.map { Value.signal($0) }, file: file, line: line).map { $0.signal }
    }

    /// Drives input `port` of every instance with `value`.
    public func broadcast(_ port: String, _ value: Signal, file: String = #fileID, line: Int = #line) {
        for row in cells { for inst in row { inst[port, file: file, line: line].assign(value, file: file, line: line) } }
    }

    /// Drives input `port` of every instance in row `r` with `values[r]`.
    public func broadcastAlongRows(_ port: String, _ values: [Signal], file: String = #fileID, line: Int = #line) {
        for (r, row) in cells.enumerated() where r < values.count {
            for inst in row { inst[port, file: file, line: line].assign(values[r], file: file, line: line) }
        }
    }

    /// Drives input `port` of every instance in column `c` with `values[c]`.
    public func broadcastDownColumns(_ port: String, _ values: [Signal], file: String = #fileID, line: Int = #line) {
        for row in cells {
            for (c, inst) in row.enumerated() where c < values.count {
                inst[port, file: file, line: line].assign(values[c], file: file, line: line)
            }
        }
    }

    /// Output `port` of every instance, `[r][c]`.
    public func collect(_ port: String, file: String = #fileID, line: Int = #line) -> [[Signal]] {
        cells.map { row in row.map { $0[port, file: file, line: line] } }
    }

    // MARK: Ports of any type (vectors, bundles)

    /// ``chainColumns(from:to:entering:file:line:)`` for ports of any type (e.g. a packed
    /// vector of lanes): every leaf is connected.
    @discardableResult
    public func chainColumns(from: String, to: String, entering: [Value], file: String = #fileID, line: Int = #line) -> [Value] {
        chainValues(from: from, to: to, entering: entering, lines: cols, length: rows, at: { i, k in cells[k][i] }, file: file, line: line)
    }

    /// ``chainRows(from:to:entering:file:line:)`` for ports of any type.
    @discardableResult
    public func chainRows(from: String, to: String, entering: [Value], file: String = #fileID, line: Int = #line) -> [Value] {
        chainValues(from: from, to: to, entering: entering, lines: rows, length: cols, at: { i, k in cells[i][k] }, file: file, line: line)
    }

    func chainValues(from: String, to: String, entering: [Value], lines: Int, length: Int,
                     at: (Int, Int) -> Instance, file: String, line: Int) -> [Value] {
        guard entering.count == lines else {
            if let p = cells.first?.first?.parent {
                p.error(SourceLoc(fileID: file, line: line), "chain into '\(to)' needs \(lines) entering values, got \(entering.count)")
            }
            return []
        }
        return (0..<lines).map { i in
            var prev = entering[i]
            for k in 0..<length {
                let inst = at(i, k)
                assign(inst.value(to, file: file, line: line), prev, file: file, line: line)
                prev = inst.value(from, file: file, line: line)
            }
            return prev
        }
    }

    /// Drives port `port` (any type) of every instance in row `r` with `values[r]`.
    public func broadcastAlongRows(_ port: String, _ values: [Value], file: String = #fileID, line: Int = #line) {
        for (r, row) in cells.enumerated() where r < values.count {
            for inst in row { assign(inst.value(port, file: file, line: line), values[r], file: file, line: line) }
        }
    }

    /// Drives port `port` (any type) of every instance in column `c` with `values[c]`.
    public func broadcastDownColumns(_ port: String, _ values: [Value], file: String = #fileID, line: Int = #line) {
        for row in cells {
            for (c, inst) in row.enumerated() where c < values.count {
                assign(inst.value(port, file: file, line: line), values[c], file: file, line: line)
            }
        }
    }
}

