//! What each instruction names: frame slots and branch targets. The translator's output is
//! checked against these before it runs (see `translate::verify`), which is what lets the
//! interpreter read slots and fetch instructions without a bounds check per access.

use super::{Instr, Slot, Target};

impl Instr {
    /// Calls `f` with every frame slot this instruction reads or writes through the frame
    /// pointer. A `v128` operand is reported by its first slot (it also uses the next one).
    ///
    /// A call's `base` is not reported: the callee's frame starts there and is set up (and
    /// bounds-checked) when it is entered, so the caller never dereferences it.
    ///
    /// The match is exhaustive on purpose: a new instruction must say what it touches.
    pub fn for_each_slot(&self, mut f: impl FnMut(Slot)) {
        use Instr as I;
        match *self {
            I::Unreachable
            | I::Fuel { .. }
            | I::CheckInterrupt
            | I::Br { .. }
            | I::Return
            | I::Call { .. }
            | I::CallInternal { .. }
            | I::ReturnCall { .. }
            | I::DataDrop { .. }
            | I::ElemDrop { .. } => {}
            I::BrIfNz { c, .. }
            | I::BrIfEqz { c, .. }
            | I::BrTable { c, .. }
            | I::CallIndirect { c, .. }
            | I::ReturnCallIndirect { c, .. } => f(c),
            I::BrCmpI32 { a, b, .. } => {
                f(a);
                f(b);
            }
            I::BrCmpI32Imm { a, .. } => f(a),

            I::Const32 { d, .. }
            | I::Const64 { d, .. }
            | I::ConstV128 { d, .. }
            | I::GlobalGet { d, .. }
            | I::GlobalGetV128 { d, .. }
            | I::MemorySize { d, .. }
            | I::TableSize { d, .. }
            | I::RefFunc { d, .. }
            | I::I32LoadAt { d, .. }
            | I::I64LoadAt { d, .. }
            | I::GlobalAddImm { d, .. } => f(d),
            I::GlobalSet { s, .. }
            | I::GlobalSetAddImm { a: s, .. }
            | I::GlobalSetV128 { s, .. }
            | I::I32StoreAt { s, .. }
            | I::I64StoreAt { s, .. } => f(s),
            I::Copy { d, s } | I::CopyV128 { d, s } | I::Unary { d, s, .. } | I::I64ExtendI32U { d, s } => {
                f(d);
                f(s);
            }
            I::Select { d, c, a, b } | I::SelectV128 { d, c, a, b } => {
                f(d);
                f(c);
                f(a);
                f(b);
            }

            I::Load { d, addr, .. }
            | I::I32Load { d, addr, .. }
            | I::I64Load { d, addr, .. }
            | I::I32Load8U { d, addr, .. }
            | I::I32Load8S { d, addr, .. }
            | I::I32Load16U { d, addr, .. }
            | I::I32Load16S { d, addr, .. }
            | I::I64Load32U { d, addr, .. }
            | I::V128Load { d, addr, .. }
            | I::V128LoadLane { d, addr, .. } => {
                f(d);
                f(addr);
            }
            I::I32LoadIdx { d, a, b, .. } | I::I32Load8UIdx { d, a, b, .. } => {
                f(d);
                f(a);
                f(b);
            }
            I::I32StoreImm { addr, .. }
            | I::I32Store8Imm { addr, .. }
            | I::I32Store16Imm { addr, .. }
            | I::I64StoreImm { addr, .. } => f(addr),
            I::Store { s, addr, .. }
            | I::I32Store { s, addr, .. }
            | I::I64Store { s, addr, .. }
            | I::I32Store8 { s, addr, .. }
            | I::I32Store16 { s, addr, .. }
            | I::V128Store { s, addr, .. }
            | I::V128StoreLane { s, addr, .. } => {
                f(s);
                f(addr);
            }
            I::MemoryGrow { d, delta, .. } => {
                f(d);
                f(delta);
            }
            I::MemoryFill { dst, val, len, .. } => {
                f(dst);
                f(val);
                f(len);
            }
            I::MemoryCopy { dst, src, len, .. }
            | I::MemoryInit { dst, src, len, .. }
            | I::TableCopy { dst, src, len, .. }
            | I::TableInit { dst, src, len, .. } => {
                f(dst);
                f(src);
                f(len);
            }

            I::TableGet { d, i, .. } => {
                f(d);
                f(i);
            }
            I::TableSet { i, v, .. } => {
                f(i);
                f(v);
            }
            I::TableGrow { d, init, delta, .. } => {
                f(d);
                f(init);
                f(delta);
            }
            I::TableFill { i, v, len, .. } => {
                f(i);
                f(v);
                f(len);
            }

            I::I32AddImm { d, a, .. }
            | I::I64AddImm { d, a, .. }
            | I::I32CmpImm { d, a, .. }
            | I::I32AndImm { d, a, .. }
            | I::I32OrImm { d, a, .. }
            | I::I32XorImm { d, a, .. }
            | I::I32ShlImm { d, a, .. }
            | I::I32ShrSImm { d, a, .. }
            | I::I32ShrUImm { d, a, .. }
            | I::I32RotlImm { d, a, .. }
            | I::I32MulImm { d, a, .. }
            | I::I64ShlImm { d, a, .. }
            | I::I64ShrSImm { d, a, .. }
            | I::I64ShrUImm { d, a, .. }
            | I::I64RotlImm { d, a, .. }
            | I::I64AndImm { d, a, .. }
            | I::I64OrImm { d, a, .. }
            | I::I64XorImm { d, a, .. }
            | I::I64MulImm { d, a, .. }
            | I::Simd1 { d, a, .. } => {
                f(d);
                f(a);
            }
            I::Binary { d, a, b, .. }
            | I::I32Cmp { d, a, b, .. }
            | I::I32Add { d, a, b }
            | I::I32Sub { d, a, b }
            | I::I32Mul { d, a, b }
            | I::I32And { d, a, b }
            | I::I32Or { d, a, b }
            | I::I32Xor { d, a, b }
            | I::I32Shl { d, a, b }
            | I::I32ShrS { d, a, b }
            | I::I32ShrU { d, a, b }
            | I::I64Add { d, a, b }
            | I::I64Sub { d, a, b }
            | I::I64Mul { d, a, b }
            | I::I64And { d, a, b }
            | I::I64Or { d, a, b }
            | I::I64Xor { d, a, b }
            | I::I64Shl { d, a, b }
            | I::I64ShrS { d, a, b }
            | I::I64ShrU { d, a, b }
            | I::F32Add { d, a, b }
            | I::F32Sub { d, a, b }
            | I::F32Mul { d, a, b }
            | I::F64Add { d, a, b }
            | I::F64Sub { d, a, b }
            | I::F64Mul { d, a, b }
            | I::F64Div { d, a, b }
            | I::Simd2 { d, a, b, .. }
            | I::SimdReplace { d, a, b, .. }
            | I::Shuffle { d, a, b, .. } => {
                f(d);
                f(a);
                f(b);
            }
            I::I32LoadAdd { d, a, .. } | I::I64LoadAdd { d, a, .. } => {
                f(d);
                f(a);
            }
            I::F64MulAdd { d, x, y, c } => {
                f(d);
                f(x);
                f(y);
                f(c);
            }
            I::Simd3 { d, a, b, c, .. } => {
                f(d);
                f(a);
                f(b);
                f(c);
            }
        }
    }

    /// This instruction's branch target, if it has one.
    pub fn target(mut self) -> Option<Target> {
        self.target_mut().copied()
    }

    /// Whether execution never continues with the next instruction.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Instr::Unreachable
                | Instr::Br { .. }
                | Instr::Return
                | Instr::ReturnCall { .. }
                | Instr::ReturnCallIndirect { .. }
        )
    }
}
