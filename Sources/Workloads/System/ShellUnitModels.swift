import Formats
import HWLib
import SparseAccel

// The register updates of the shared load and store units (``SparseAccel/LoadUnit``,
// ``SparseAccel/StoreUnit``) at the end of a cycle, for every system's cycle model (SAT, SPS,
// SparseTrain): the models compute the units' combinational signals, then call these.

extension LoadState {
    /// One cycle's register updates, given the cycle's handshakes and the instruction the unit
    /// accepted (its position in the program), if any.
    mutating func advance(arFire: Bool, requestDone: Bool, take: Bool, last: Bool, entryFull: Bool, complete: Bool,
                          accepted: (Int, Instruction)?, decode: SystemError, tokenOK: Bool, requestBeats n: Int, beatBytes: Int,
                          errorNow: Bool) {
        outstanding += (arFire ? 1 : 0) - (requestDone ? 1 : 0)
        if take {
            if last {
                got = 0
                entryOffset = 0
                chunk = 0
            } else {
                got += 1
                if entryFull {
                    chunk = 0
                    entryOffset += 1
                } else {
                    chunk += 1
                }
            }
        }
        if complete { receive.removeFirst() }
        if let (i, insn) = accepted, case .load(let t, let b, let deps) = insn {
            if decode == .none {
                receive.append(Receive(target: b, base: t.bufferBase, entryBeats: t.entryBeats, total: t.rows * t.rowBeats, give: deps.pushNext, seq: i))
            }
            active = decode == .none
            waiting = deps.popNext
            rowsLeft = t.rows
            rowBeats = t.rowBeats
            beatsLeft = t.rowBeats
            addr = Int(t.dramAddr)
            rowAddr = Int(t.dramAddr)
            stride = Int(t.dramStride)
        } else {
            if tokenOK { waiting = false }
            if arFire {
                if n == beatsLeft {
                    if rowsLeft == 1 { active = false }
                    rowsLeft -= 1
                    beatsLeft = rowBeats
                    rowAddr = rowAddr + stride
                    addr = rowAddr
                } else {
                    beatsLeft -= n
                    addr += n * beatBytes
                }
            }
        }
        if errorNow { failed = true }
    }
}

extension StoreState {
    /// One cycle's register updates, given the cycle's handshakes and the instruction the unit
    /// accepted (its position in the program), if any.
    mutating func advance(awFire: Bool, requestSent: Bool, bFire: Bool, ackHead: Bool, complete: Bool,
                          accepted: (Int, Instruction)?, decode: SystemError, tokenOK: Bool, requestBeats n: Int, memory: MemoryPortSpec,
                          read: Bool, wFire: Bool, entryEnd: Bool, issued: Bool, errorNow: Bool) {
        dataPending += (awFire ? 1 : 0) - (requestSent ? 1 : 0)
        outstanding += (awFire ? 1 : 0) - (bFire ? 1 : 0)
        if bFire && ackHead { acked = complete ? 0 : acked + 1 }
        if complete { acks.removeFirst() }
        if let (i, insn) = accepted, case .store(let t, let b, let deps) = insn {
            if decode == .none {
                let perRow = (t.rowBeats + memory.maxBeats - 1) / memory.maxBeats
                acks.append(Ack(total: t.rows * perRow, give: deps.pushPrev, seq: i))
            }
            active = decode == .none
            waiting = deps.popPrev
            issuing = true
            fromP = b == .p
            seq = i
            rowsLeft = t.rows
            rowBeats = t.rowBeats
            beatsLeft = t.rowBeats
            addr = Int(t.dramAddr)
            rowAddr = Int(t.dramAddr)
            stride = Int(t.dramStride)
            entryBeats = t.entryBeats
            wLeft = t.rows * t.rowBeats
            wRowLeft = t.rowBeats
            wReqLeft = min(t.rowBeats, memory.maxBeats)
            chunk = 0
            readEntry = t.bufferBase
            unread = t.rows * t.rowBeats
        } else {
            if tokenOK { waiting = false }
            if awFire {
                if n == beatsLeft {
                    if rowsLeft == 1 { issuing = false }
                    rowsLeft -= 1
                    beatsLeft = rowBeats
                    rowAddr = rowAddr + stride
                    addr = rowAddr
                } else {
                    beatsLeft -= n
                    addr += n * memory.beatBytes
                }
            }
            if read {
                readEntry += 1
                unread = unread > entryBeats ? unread - entryBeats : 0
                have = true
            }
            if wFire {
                wLeft -= 1
                let rowNext = wRowLeft == 1 ? rowBeats : wRowLeft - 1
                wReqLeft = wReqLeft == 1 ? min(rowNext, memory.maxBeats) : wReqLeft - 1
                wRowLeft = rowNext
                if entryEnd {
                    chunk = 0
                    if !read { have = false }
                } else {
                    chunk += 1
                }
            }
            if issued { active = false }
        }
        if errorNow { failed = true }
    }
}
