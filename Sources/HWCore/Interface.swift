// Typed module interfaces: a module's ports declared once as a Swift type.
//
//     struct MAC: Interface {
//         @Input(.sint(8)) var a: Signal
//         @Input(.sint(8)) var b: Signal
//         @Output(.sint(32)) var acc: Signal
//     }
//     let m = Module("mac")
//     let io = m.ports(MAC())          // the child's side: io.a is read, io.acc assigned
//     ...
//     let mac = Definition(m, io)
//     let u = top.instance(mac, "u0")  // the parent's side: u.a is assigned, u.acc read
//
// Port names come from the property names (`inA` -> `in_a`, or `name:`), so a wrong name is a
// compile error in the parent and the child alike; the shape of a port (ground, packed vector,
// array, bundle) is its Swift type. Directions are checked at elaboration, at the user's line:
// assigning an instance output or reading an instance input is a located diagnostic.

/// A module's port list: a struct whose stored properties are ``Input`` / ``Output`` ports
/// (other stored properties, e.g. a config, are ignored). Declare the ports in the order they
/// should appear in the Verilog.
public protocol Interface {}

/// The Swift form of one port: a ground ``Signal``, a packed ``Vec``, an array of shapes, or a
/// bundle struct (e.g. a valid/ready stream) — anything that can be built from the port's DSL
/// ``Value`` and taken apart into its ground signals.
public protocol PortShape {
    /// What a declaration gives to size the port (a ``BitsType`` for a ground port, ...).
    associatedtype Spec
    /// The hardware type of a port of this shape.
    static func hwType(_ spec: Spec) -> HWType
    /// The port's Swift value from its DSL value (nil when the value has another structure).
    static func shape(of value: Value) -> Self?
    /// Every ground signal, in the port's leaf order.
    var leafSignals: [Signal] { get }
    /// The same shape with every ground signal replaced by `transform(signal)`.
    func mapLeaves(_ transform: (Signal) -> Signal) -> Self
}

extension Signal: PortShape {
    public static func hwType(_ spec: BitsType) -> HWType { .bits(spec) }
    public static func shape(of value: Value) -> Signal? {
        if case .signal(let s) = value { return s }
        return nil
    }
    public var leafSignals: [Signal] { [self] }
    public func mapLeaves(_ transform: (Signal) -> Signal) -> Signal { transform(self) }
}

/// The size of a packed vector port: `count` elements of `element`.
public struct VecSpec: Hashable, Sendable {
    public let element: BitsType
    public let count: Int
    public init(_ element: BitsType, count: Int) {
        self.element = element
        self.count = count
    }
}

extension Vec: PortShape {
    public static func hwType(_ spec: VecSpec) -> HWType { .vector(.bits(spec.element), count: spec.count) }
    public static func shape(of value: Value) -> Vec? {
        guard case .vector(let items) = value else { return nil }
        var out: [Signal] = []
        for v in items {
            guard case .signal(let s) = v else { return nil }
            out.append(s)
        }
        return Vec(out)
    }
    public var leafSignals: [Signal] { elements }
    public func mapLeaves(_ transform: (Signal) -> Signal) -> Vec { Vec(elements.map(transform)) }
}

/// The size of an array port: `count` elements, each sized by `element`.
public struct ArraySpec<Element: PortShape> {
    public let element: Element.Spec
    public let count: Int
    public init(_ element: Element.Spec, count: Int) {
        self.element = element
        self.count = count
    }
}

extension Array: PortShape where Element: PortShape {
    public static func hwType(_ spec: ArraySpec<Element>) -> HWType { .vector(Element.hwType(spec.element), count: spec.count) }
    public static func shape(of value: Value) -> [Element]? {
        guard case .vector(let items) = value else { return nil }
        var out: [Element] = []
        for v in items {
            guard let e = Element.shape(of: v) else { return nil }
            out.append(e)
        }
        return out
    }
    public var leafSignals: [Signal] { flatMap { $0.leafSignals } }
    public func mapLeaves(_ transform: (Signal) -> Signal) -> [Element] { map { $0.mapLeaves(transform) } }
}

extension PortShape {
    /// Connects every ground signal of this shape (a wire, an output, an instance input) to the
    /// matching one of `source`.
    public func assign(_ source: Self, file: String = #fileID, line: Int = #line) {
        connect(self, source, file: file, line: line)
    }
}

/// Connects every ground signal of `target` to the matching one of `source`; the two must have
/// as many ground signals (a mismatch is a diagnostic at the calling line).
public func connect<S: PortShape>(_ target: S, _ source: S, file: String = #fileID, line: Int = #line) {
    let t = target.leafSignals, s = source.leafSignals
    guard t.count == s.count else {
        if let m = t.first?.module ?? s.first?.module {
            m.error(SourceLoc(fileID: file, line: line), "connect between values of different sizes (\(t.count) vs \(s.count) signals)")
        }
        return
    }
    for (a, b) in zip(t, s) { a.assign(b, file: file, line: line) }
}

/// Connects two values of one shape whose ground signals flow either way — a bundle with
/// flipped fields, such as an AXI port passed from an instance up to the module's own port: each
/// pair is joined from the side that reads to the side that can be driven (an output or an
/// instance input). A pair neither side can drive is a diagnostic at the calling line.
public func join<S: PortShape>(_ a: S, _ b: S, file: String = #fileID, line: Int = #line) {
    let x = a.leafSignals, y = b.leafSignals
    guard x.count == y.count else {
        if let m = x.first?.module ?? y.first?.module {
            m.error(SourceLoc(fileID: file, line: line), "join between values of different sizes (\(x.count) vs \(y.count) signals)")
        }
        return
    }
    for (p, q) in zip(x, y) {
        if p.isDrivableSignal { p.assign(q, file: file, line: line) } else { q.assign(p, file: file, line: line) }
    }
}

extension Signal {
    /// Whether an assignment can drive this signal (a wire, register, output or instance input).
    var isDrivableSignal: Bool {
        guard case .ref(let s) = module.nodes[id.index].op else { return false }
        return module.signals[s].isDrivable
    }
}

// MARK: - Port declarations

/// The declaration of one port, shared by every copy of an interface value and bound to the
/// module's port when the interface is declared with ``Module/ports(_:file:line:)``.
class PortSlot {
    let type: HWType
    let direction: PortDirection
    let explicitName: String?
    let loc: SourceLoc
    /// The module the port belongs to, once bound.
    var module: Module?

    init(type: HWType, direction: PortDirection, name: String?, loc: SourceLoc) {
        self.type = type
        self.direction = direction
        explicitName = name
        self.loc = loc
    }

    /// Binds the slot to the declared port's value.
    func bind(_ value: Value) {}
}

/// A slot that keeps its port's Swift shape (no dynamic cast on every access).
final class TypedSlot<Shape: PortShape>: PortSlot {
    var shape: Shape?

    override func bind(_ value: Value) { shape = Shape.shape(of: value) }

    var value: Shape {
        if let s = shape { return s }
        // Read before `ports(_:)` bound it: a detached module holds a stand-in whose use in a
        // real module is reported ("mixes signals of modules '<unbound port>' ...") at that line.
        let m = Module(unbound: "unbound interface port declared at \(loc)")
        let s = Shape.shape(of: m.declare("p", type, direction, loc)) ?? Shape.shape(of: .signal(m.invalid("unbound port", .bool)))!
        shape = s
        return s
    }
}

protocol PortWrapper {
    var slot: PortSlot { get }
}

/// An input port of an ``Interface``. In the module that declares it, it is read; on an
/// instance, it is driven.
@propertyWrapper public struct Input<Shape: PortShape>: PortWrapper {
    let typed: TypedSlot<Shape>
    var slot: PortSlot { typed }

    /// An input of shape `Shape` sized by `spec`, named after the property (camelCase becomes
    /// snake_case) unless `name` is given.
    public init(_ spec: Shape.Spec, name: String? = nil, file: String = #fileID, line: Int = #line) {
        typed = TypedSlot(type: Shape.hwType(spec), direction: .input, name: name, loc: SourceLoc(fileID: file, line: line))
    }

    public var wrappedValue: Shape { typed.value }
}

/// An output port of an ``Interface``. In the module that declares it, it is assigned; on an
/// instance, it is read. Flipped bundle fields run the other way.
@propertyWrapper public struct Output<Shape: PortShape>: PortWrapper {
    let typed: TypedSlot<Shape>
    var slot: PortSlot { typed }

    /// An output of shape `Shape` sized by `spec`, named after the property unless `name` is given.
    public init(_ spec: Shape.Spec, name: String? = nil, file: String = #fileID, line: Int = #line) {
        typed = TypedSlot(type: Shape.hwType(spec), direction: .output, name: name, loc: SourceLoc(fileID: file, line: line))
    }

    public var wrappedValue: Shape { typed.value }
}

extension Input where Shape == Vec {
    /// A packed vector input of `count` elements (element 0 in the low bits).
    public init(_ element: BitsType, count: Int, name: String? = nil, file: String = #fileID, line: Int = #line) {
        self.init(VecSpec(element, count: count), name: name, file: file, line: line)
    }
}

extension Output where Shape == Vec {
    /// A packed vector output of `count` elements (element 0 in the low bits).
    public init(_ element: BitsType, count: Int, name: String? = nil, file: String = #fileID, line: Int = #line) {
        self.init(VecSpec(element, count: count), name: name, file: file, line: line)
    }
}

extension Input where Shape == [Vec] {
    /// A packed two-dimensional input: `count` vectors of `lanes` elements.
    public init(_ element: BitsType, count: Int, lanes: Int, name: String? = nil, file: String = #fileID, line: Int = #line) {
        self.init(ArraySpec(VecSpec(element, count: lanes), count: count), name: name, file: file, line: line)
    }
}

extension Output where Shape == [Vec] {
    /// A packed two-dimensional output: `count` vectors of `lanes` elements.
    public init(_ element: BitsType, count: Int, lanes: Int, name: String? = nil, file: String = #fileID, line: Int = #line) {
        self.init(ArraySpec(VecSpec(element, count: lanes), count: count), name: name, file: file, line: line)
    }
}

/// `inA` -> `in_a`, `rowSel` -> `row_sel`, `axiARValid` -> `axi_ar_valid`: the Verilog name of a
/// port property.
func snakeCase(_ name: String) -> String {
    let chars = Array(name)
    var out = ""
    for (i, c) in chars.enumerated() {
        if c.isUppercase && i > 0 {
            let prev = chars[i - 1]
            let nextLower = i + 1 < chars.count && chars[i + 1].isLowercase
            if prev.isLowercase || prev.isNumber || (prev.isUppercase && nextLower) { out.append("_") }
        }
        out.append(contentsOf: c.lowercased())
    }
    return out
}

extension Module {
    /// Declares the ports of `io` on this module, in the interface's declaration order, and
    /// returns it bound to them: read the inputs, assign the outputs. Use a fresh interface value
    /// per module.
    @discardableResult
    public func ports<I: Interface>(_ io: I, file: String = #fileID, line: Int = #line) -> I {
        let loc = SourceLoc(fileID: file, line: line)
        for child in Mirror(reflecting: io).children {
            guard let w = child.value as? PortWrapper else { continue }
            let slot = w.slot
            let label = child.label.map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 } ?? "port"
            if let owner = slot.module {
                error(loc, "port '\(label)' of this interface value is already declared on module '\(owner.name)' (use a fresh interface value)")
                continue
            }
            let before = portTrees.count
            let value = declare(slot.explicitName ?? snakeCase(label), slot.type, slot.direction, slot.loc)
            slot.module = self
            slot.bind(value)
            if portTrees.count > before, let first = value.leaves.first {
                portByLeaf[first.id] = before
            }
        }
        return io
    }
}

/// A module together with its typed interface: what a parent instantiates.
///
///     let pe = Definition(m, io)
///     let grid = InstanceGrid(in: top, of: pe, rows: 4, cols: 4) { r, c in "pe_\(r)_\(c)" }
public struct Definition<I: Interface> {
    public let module: Module
    /// The interface as the module sees it (bound to its ports).
    public let io: I

    public init(_ module: Module, _ io: I) {
        self.module = module
        self.io = io
    }

    /// The flat Verilog port names of one interface field (one name for a ground or packed
    /// vector port, one per leaf port of a bundle or an array of bundles), or [] if `field` is
    /// not a port of this module.
    public func portNames<S: PortShape>(_ field: KeyPath<I, S>) -> [String] {
        guard let first = io[keyPath: field].leafSignals.first, first.module === module,
              let tree = module.portByLeaf[first.id] else { return [] }
        return module.portTrees[tree].tree.flatPorts.map { module.ports[$0].name }
    }
}

extension PortTree {
    /// Indices of the flat ports under this tree, in order.
    var flatPorts: [Int] {
        switch self {
        case .flat(let p), .packed(let p, _): return [p]
        case .vector(let items): return items.flatMap { $0.flatPorts }
        case .bundle(_, let trees): return trees.flatMap { $0.flatPorts }
        }
    }
}
