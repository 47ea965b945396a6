/// A fixed-length vector of ground signals of one type (e.g. a packed vector port, a row of
/// operands). Static indexing is plain Swift; dynamic indexing builds a multiplexer.
public struct Vec: RandomAccessCollection {
    public let elements: [Signal]

    public init(_ elements: [Signal]) { self.elements = elements }

    public var startIndex: Int { elements.startIndex }
    public var endIndex: Int { elements.endIndex }
    /// Element `position`. An index outside the vector is a DSL misuse: the result is reported
    /// as an error at the statement that uses it (not a Swift trap).
    public subscript(position: Int) -> Signal {
        if elements.indices.contains(position) { return elements[position] }
        guard let first = elements.first else { preconditionFailure("index \(position) into an empty Vec") }
        return first.module.invalid("vector index \(position) is outside 0..<\(elements.count)", first.type)
    }

    /// Run-time index. The index must be unsigned and unable to address past the end
    /// (2^width ≤ count); otherwise this is an error at the calling line — use
    /// ``select(_:default:file:line:)`` to say what an out-of-range index reads.
    public subscript(index: Signal, file file: String = #fileID, line line: Int = #line) -> Signal {
        select(index, default: nil, loc: SourceLoc(fileID: file, line: line))
    }

    /// Run-time index with an explicit value for indices past the end.
    public func select(_ index: Signal, default fallback: Signal, file: String = #fileID, line: Int = #line) -> Signal {
        select(index, default: fallback, loc: SourceLoc(fileID: file, line: line))
    }

    func select(_ index: Signal, default fallback: Signal?, loc: SourceLoc) -> Signal {
        let m = index.module
        guard let first = elements.first else {
            m.error(loc, "dynamic index into an empty vector")
            return m.invalid("empty vector", .bool)
        }
        let t = first.type
        guard elements.allSatisfy({ $0.module === m && $0.type == t }), fallback.map({ $0.module === m && $0.type == t }) ?? true else {
            m.error(loc, "dynamic index needs elements (and default) of one type, from the index's module")
            return m.invalid("bad dynamic index", t)
        }
        guard !index.isSigned else {
            m.error(loc, "vector index must be unsigned, not \(index.type)")
            return m.invalid("bad dynamic index", t)
        }
        let reach = index.width >= 62 ? Int.max : 1 << index.width
        if reach > elements.count && fallback == nil {
            m.error(loc, "index of type \(index.type) can address \(reach) elements but the vector has \(elements.count) (use .select(_:default:))")
            return m.invalid("index out of range", t)
        }
        if elements.count == 1 && fallback == nil { return first }
        return m.signal(.select(index: index.id, elements: elements.map { $0.id }, fallback: reach > elements.count ? fallback?.id : nil), t)
    }

    /// All elements concatenated, element 0 in the least significant bits.
    public var packed: Signal? {
        guard let last = elements.last else { return nil }
        return cat(last, Array(elements.dropLast().reversed()))
    }
}

/// A DSL value of any ``HWType``: a ground signal, a vector, or a bundle of named fields.
/// Port declarations and instance ports of aggregate types produce `Value`s.
public indirect enum Value {
    case signal(Signal)
    case vector([Value])
    case bundle(names: [String], values: [Value])

    /// Every ground signal, in declaration order.
    public var leaves: [Signal] {
        switch self {
        case .signal(let s): return [s]
        case .vector(let vs): return vs.flatMap { $0.leaves }
        case .bundle(_, let vs): return vs.flatMap { $0.leaves }
        }
    }

    var anyModule: Module { leaves[0].module }

    /// The ground signal; using a non-ground value here is reported when the result is used.
    public var signal: Signal {
        if case .signal(let s) = self { return s }
        return anyModule.invalid("value is an aggregate, not a ground signal", .bool)
    }

    /// The elements of a vector of ground signals.
    public var vec: Vec {
        switch self {
        case .vector(let vs): return Vec(vs.map { $0.signal })
        case .signal(let s): return Vec([s.invalid("value is not a vector")])
        case .bundle: return Vec([anyModule.invalid("value is a bundle, not a vector", .bool)])
        }
    }

    /// A bundle field.
    public subscript(field: String) -> Value {
        if case .bundle(let names, let values) = self, let i = names.firstIndex(of: field) { return values[i] }
        return .signal(anyModule.invalid("no field '\(field)' in this value", .bool))
    }

    /// A vector element.
    public subscript(index: Int) -> Value {
        if case .vector(let vs) = self, vs.indices.contains(index) { return vs[index] }
        return .signal(anyModule.invalid("no element \(index) in this value", .bool))
    }

    /// Builds nested vectors of `dims` (outermost first) from row-major leaves.
    static func nest(_ leaves: [Value], _ dims: [Int]) -> Value {
        guard let d = dims.first else { return leaves[0] }
        let inner = leaves.count / d
        return .vector((0..<d).map { i in nest(Array(leaves[(i * inner)..<((i + 1) * inner)]), Array(dims.dropFirst())) })
    }
}

/// Connects every leaf of `target` to the matching leaf of `source` (same shapes and types).
public func assign(_ target: Value, _ source: Value, file: String = #fileID, line: Int = #line) {
    let t = target.leaves, s = source.leaves
    guard t.count == s.count else {
        t[0].module.error(SourceLoc(fileID: file, line: line), "assign between values of different shapes (\(t.count) vs \(s.count) leaves)")
        return
    }
    for (a, b) in zip(t, s) { a.assign(b, file: file, line: line) }
}
