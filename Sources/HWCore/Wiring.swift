/// A 2-D grid of instances of one definition, with one-call wiring per signal group, named by
/// the interface's fields: chain along rows, chain down columns, broadcast, collect. This
/// replaces per-signal copy-pasted wiring loops.
///
///     let grid = InstanceGrid(in: top, of: pe, rows: 4, cols: 4) { r, c in "pe_\(r)_\(c)" }
///     grid.chainRows(\.outA, to: \.inA, entering: inRow)      // west edge -> east
///     grid.chainColumns(\.outB, to: \.inB, entering: inCol)   // north edge -> south
///     grid.broadcast(\.clear, clear)
///     let acc = grid.collect(\.acc)                           // [r][c]
///
/// A list of the wrong length (entering values, per-row values) is a diagnostic at the call.
public struct InstanceGrid<I: Interface> {
    public let rows: Int
    public let cols: Int
    /// Instances, row-major: `cells[r][c]`.
    public let cells: [[Instance<I>]]
    let parent: Module

    public init(in parent: Module, of definition: Definition<I>, rows: Int, cols: Int,
                file: String = #fileID, line: Int = #line, name: (Int, Int) -> String) {
        self.rows = rows
        self.cols = cols
        self.parent = parent
        cells = (0..<max(0, rows)).map { r in
            (0..<max(0, cols)).map { c in parent.instance(definition, name(r, c), file: file, line: line) }
        }
    }

    public subscript(row: Int, col: Int) -> Instance<I> { cells[row][col] }

    func lengthOK(_ got: Int, _ want: Int, _ what: String, _ file: String, _ line: Int) -> Bool {
        if got == want { return true }
        parent.error(SourceLoc(fileID: file, line: line), "\(what) needs \(want) values, got \(got)")
        return false
    }

    /// Chains each row west to east: `cells[r][0].to` is driven by `entering[r]`, and
    /// `cells[r][c].to` by `cells[r][c-1].from`. Returns the east edge (`cells[r][cols-1].from`).
    @discardableResult
    public func chainRows<S: PortShape>(_ from: KeyPath<I, S>, to: KeyPath<I, S>, entering: [S],
                                        file: String = #fileID, line: Int = #line) -> [S] {
        chain(from, to, entering, lines: rows, length: cols, at: { i, k in cells[i][k] }, "chain along rows", file, line)
    }

    /// Chains each column north to south: `cells[0][c].to` is driven by `entering[c]`.
    /// Returns the south edge.
    @discardableResult
    public func chainColumns<S: PortShape>(_ from: KeyPath<I, S>, to: KeyPath<I, S>, entering: [S],
                                           file: String = #fileID, line: Int = #line) -> [S] {
        chain(from, to, entering, lines: cols, length: rows, at: { i, k in cells[k][i] }, "chain down columns", file, line)
    }

    func chain<S: PortShape>(_ from: KeyPath<I, S>, _ to: KeyPath<I, S>, _ entering: [S], lines: Int, length: Int,
                             at: (Int, Int) -> Instance<I>, _ what: String, _ file: String, _ line: Int) -> [S] {
        guard lengthOK(entering.count, lines, what, file, line) else { return [] }
        return (0..<lines).map { i in
            var prev = entering[i]
            for k in 0..<length {
                let inst = at(i, k)
                connect(inst.port(to, file: file, line: line), prev, file: file, line: line)
                prev = inst.port(from, file: file, line: line)
            }
            return prev
        }
    }

    /// Drives `field` of every instance with `value`.
    public func broadcast<S: PortShape>(_ field: KeyPath<I, S>, _ value: S, file: String = #fileID, line: Int = #line) {
        for row in cells { for inst in row { connect(inst.port(field, file: file, line: line), value, file: file, line: line) } }
    }

    /// Drives `field` of every instance in row `r` with `values[r]` (one value per row).
    public func broadcastAlongRows<S: PortShape>(_ field: KeyPath<I, S>, _ values: [S], file: String = #fileID, line: Int = #line) {
        guard lengthOK(values.count, rows, "broadcast along rows", file, line) else { return }
        for (r, row) in cells.enumerated() {
            for inst in row { connect(inst.port(field, file: file, line: line), values[r], file: file, line: line) }
        }
    }

    /// Drives `field` of every instance in column `c` with `values[c]` (one value per column).
    public func broadcastDownColumns<S: PortShape>(_ field: KeyPath<I, S>, _ values: [S], file: String = #fileID, line: Int = #line) {
        guard lengthOK(values.count, cols, "broadcast down columns", file, line) else { return }
        for row in cells {
            for (c, inst) in row.enumerated() { connect(inst.port(field, file: file, line: line), values[c], file: file, line: line) }
        }
    }

    /// `field` of every instance, `[r][c]` (outputs, to read).
    public func collect<S: PortShape>(_ field: KeyPath<I, S>, file: String = #fileID, line: Int = #line) -> [[S]] {
        cells.map { row in row.map { $0.port(field, file: file, line: line) } }
    }
}
