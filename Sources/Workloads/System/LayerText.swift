import SparseModel

extension LayerSpec {
    /// Parses a layer as the command line spells it: `conv:ci=64,co=64,h=16,w=16,k=3,s=1,p=1`
    /// (`s` defaults to 1, `p` to 0, `w` to `h`) or `fc:in=512,out=10`. Throws a one-line
    /// `SparseModelError` naming the problem.
    public static func parse(_ text: String) throws -> LayerSpec {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw SparseModelError("--layer expects conv:ci=..,co=..,h=..,w=..,k=..[,s=..,p=..] or fc:in=..,out=.., got '\(text)'")
        }
        var fields: [String: Int] = [:]
        for item in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
            let kv = item.split(separator: "=", omittingEmptySubsequences: false)
            guard kv.count == 2, let v = Int(kv[1]), !kv[0].isEmpty else {
                throw SparseModelError("--layer: '\(item)' is not name=integer (in '\(text)')")
            }
            guard fields[String(kv[0])] == nil else { throw SparseModelError("--layer: '\(kv[0])' given twice (in '\(text)')") }
            fields[String(kv[0])] = v
        }
        func take(_ name: String, default value: Int? = nil) throws -> Int {
            if let v = fields.removeValue(forKey: name) { return v }
            if let v = value { return v }
            throw SparseModelError("--layer \(parts[0]) needs \(name)= (in '\(text)')")
        }
        let layer: LayerSpec
        switch parts[0] {
        case "conv":
            let h = try take("h")
            layer = try .conv(inChannels: try take("ci"), outChannels: try take("co"), height: h, width: try take("w", default: h),
                              kernelSize: try take("k"), stride: try take("s", default: 1), padding: try take("p", default: 0))
        case "fc":
            layer = try .fullyConnected(inFeatures: try take("in"), outFeatures: try take("out"))
        default:
            throw SparseModelError("--layer kind must be conv or fc, got '\(parts[0])'")
        }
        if let extra = fields.keys.sorted().first {
            throw SparseModelError("--layer \(parts[0]) does not take '\(extra)=' (in '\(text)')")
        }
        return layer
    }
}
