//! Tessera's internal instruction set: a register machine over frame slots.
//!
//! Every function frame is an array of untyped 64-bit slots laid out as
//! `[params | declared locals | operand temporaries]`. The translator resolves each Wasm
//! operand-stack position to a fixed slot at translation time, so instructions name their
//! operands directly (`I32Add { d, a, b }` reads slots `a` and `b` and writes slot `d`) and
//! most `local.get`/`local.set` traffic disappears. A `v128` occupies two consecutive slots
//! (low half first). Branch targets are absolute instruction indices, resolved at translation.
//!
//! Values keep the representation of the Wasm type: `i32`/`f32` live in the low 32 bits
//! (upper bits are ignored on read), `i64`/`f64` use all 64, references are a store index
//! plus one (zero is null).

mod operands;
mod ops;

pub use ops::{BinOp, CmpOp, LoadOp, StoreOp, UnOp, V128LoadOp};

use crate::simd::SimdOp;

/// A frame-relative slot index.
pub type Slot = u16;

/// A branch target: an index into the function's instruction array.
pub type Target = u32;

/// One interpreter instruction. Kept at 16 bytes (checked by a test) so the code is dense.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Instr {
    // --- control ---
    Unreachable,
    /// Charges fuel for the straight-line code that follows.
    Fuel {
        amount: u32,
    },
    /// Checks the store's interrupt flag (loop headers and function entries when enabled).
    CheckInterrupt,
    Br {
        t: Target,
    },
    BrIfNz {
        c: Slot,
        t: Target,
    },
    BrIfEqz {
        c: Slot,
        t: Target,
    },
    /// Fused `i32` compare and branch: jump to `t` when `a <op> b` holds.
    BrCmpI32 {
        op: CmpOp,
        a: Slot,
        b: Slot,
        t: Target,
    },
    /// Fused `i32` compare-with-immediate and branch.
    BrCmpI32Imm {
        op: CmpOp,
        a: Slot,
        imm: i32,
        t: Target,
    },
    /// Followed by `len + 1` `Br` instructions; index `c` selects one (the last is the default).
    BrTable {
        c: Slot,
        len: u32,
    },
    /// Results are already in slots `0..`; pop the frame.
    Return,
    Call {
        f: u32,
        base: Slot,
    },
    /// A call of a function defined in this module (not imported): the callee is known to be
    /// function `f` of the running instance, so no look-up through the store is needed.
    CallInternal {
        f: u32,
        base: Slot,
    },
    CallIndirect {
        ty: u32,
        table: u16,
        c: Slot,
        base: Slot,
    },
    /// Tail call: arguments at `base` move to slot 0 and the callee replaces this frame.
    ReturnCall {
        f: u32,
        base: Slot,
    },
    ReturnCallIndirect {
        ty: u32,
        table: u16,
        c: Slot,
        base: Slot,
    },

    // --- data movement ---
    Copy {
        d: Slot,
        s: Slot,
    },
    CopyV128 {
        d: Slot,
        s: Slot,
    },
    Const32 {
        d: Slot,
        v: u32,
    },
    Const64 {
        d: Slot,
        v: u64,
    },
    /// `v128.const`; `idx` indexes the function's constant pool.
    ConstV128 {
        d: Slot,
        idx: u32,
    },
    /// `d = if c != 0 { a } else { b }`
    Select {
        d: Slot,
        c: Slot,
        a: Slot,
        b: Slot,
    },
    SelectV128 {
        d: Slot,
        c: Slot,
        a: Slot,
        b: Slot,
    },
    GlobalGet {
        d: Slot,
        g: u32,
    },
    GlobalSet {
        s: Slot,
        g: u32,
    },
    /// `global[g] = a + imm` (`i32`, wrapping): a function's epilogue giving back its stack
    /// frame (`local.get; i32.const; i32.add; global.set __stack_pointer`).
    GlobalSetAddImm {
        a: Slot,
        imm: i32,
        g: u32,
    },
    /// `d = global[g] + imm; global[g] = d` (`i32`, wrapping): a function's prologue taking
    /// its stack frame (`global.get; i32.const; i32.sub; local.tee; global.set`).
    GlobalAddImm {
        d: Slot,
        imm: i32,
        g: u32,
    },
    GlobalGetV128 {
        d: Slot,
        g: u32,
    },
    GlobalSetV128 {
        s: Slot,
        g: u32,
    },

    // --- memory ---
    Load {
        kind: LoadOp,
        d: Slot,
        addr: Slot,
        mem: u16,
        off: u32,
    },
    Store {
        kind: StoreOp,
        s: Slot,
        addr: Slot,
        mem: u16,
        off: u32,
    },
    MemorySize {
        d: Slot,
        mem: u16,
    },
    MemoryGrow {
        d: Slot,
        delta: Slot,
        mem: u16,
    },
    MemoryFill {
        mem: u16,
        dst: Slot,
        val: Slot,
        len: Slot,
    },
    MemoryCopy {
        dst_mem: u16,
        src_mem: u16,
        dst: Slot,
        src: Slot,
        len: Slot,
    },
    MemoryInit {
        mem: u16,
        data: u32,
        dst: Slot,
        src: Slot,
        len: Slot,
    },
    DataDrop {
        data: u32,
    },

    // --- tables and references ---
    TableGet {
        d: Slot,
        i: Slot,
        table: u32,
    },
    TableSet {
        i: Slot,
        v: Slot,
        table: u32,
    },
    TableSize {
        d: Slot,
        table: u32,
    },
    TableGrow {
        d: Slot,
        init: Slot,
        delta: Slot,
        table: u16,
    },
    TableFill {
        table: u16,
        i: Slot,
        v: Slot,
        len: Slot,
    },
    TableCopy {
        dst_table: u16,
        src_table: u16,
        dst: Slot,
        src: Slot,
        len: Slot,
    },
    TableInit {
        table: u16,
        elem: u32,
        dst: Slot,
        src: Slot,
        len: Slot,
    },
    ElemDrop {
        elem: u32,
    },
    RefFunc {
        d: Slot,
        f: u32,
    },

    // --- numeric ---
    Unary {
        op: UnOp,
        d: Slot,
        s: Slot,
    },
    Binary {
        op: BinOp,
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32AddImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64AddImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32Add {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32Sub {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64Add {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64Sub {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32Cmp {
        op: CmpOp,
        d: Slot,
        a: Slot,
        b: Slot,
    },
    // Hot binary operators get their own instructions (one dispatch instead of two).
    I32Mul {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32And {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32Or {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32Xor {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32Shl {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32ShrS {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I32ShrU {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64Mul {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64And {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64Or {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64Xor {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64Shl {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64ShrS {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    I64ShrU {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    F32Add {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    F32Sub {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    F32Mul {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    F64Add {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    F64Sub {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    F64Mul {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    F64Div {
        d: Slot,
        a: Slot,
        b: Slot,
    },
    // ... and with an immediate right operand.
    I32AndImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32OrImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32XorImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32ShlImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32ShrSImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32ShrUImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32RotlImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64ShlImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64ShrSImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64ShrUImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64RotlImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64AndImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64OrImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64XorImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I64MulImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    I32MulImm {
        d: Slot,
        a: Slot,
        imm: i32,
    },
    // Hot loads and stores of memory 0 (the common case) without a kind to dispatch on.
    I32Load {
        d: Slot,
        addr: Slot,
        off: u32,
    },
    I64Load {
        d: Slot,
        addr: Slot,
        off: u32,
    },
    I32Load8U {
        d: Slot,
        addr: Slot,
        off: u32,
    },
    I32Load8S {
        d: Slot,
        addr: Slot,
        off: u32,
    },
    I32Load16U {
        d: Slot,
        addr: Slot,
        off: u32,
    },
    I32Load16S {
        d: Slot,
        addr: Slot,
        off: u32,
    },
    I64Load32U {
        d: Slot,
        addr: Slot,
        off: u32,
    },
    I32Store {
        s: Slot,
        addr: Slot,
        off: u32,
    },
    I64Store {
        s: Slot,
        addr: Slot,
        off: u32,
    },
    I32Store8 {
        s: Slot,
        addr: Slot,
        off: u32,
    },
    I32Store16 {
        s: Slot,
        addr: Slot,
        off: u32,
    },
    /// Loads and stores of memory 0 at a constant address (`i32.const A; i32.load offset=O`,
    /// how compiled code reaches its statics), with `ea = A + O` (when that fits in 32 bits).
    I32LoadAt {
        d: Slot,
        ea: u32,
    },
    I64LoadAt {
        d: Slot,
        ea: u32,
    },
    I32StoreAt {
        s: Slot,
        ea: u32,
    },
    /// Loads of memory 0 whose address is `a + imm` computed just before (`i32.add` with a
    /// constant, the address wrapping at 32 bits as `i32.add` does), fused into the load.
    I32LoadAdd {
        d: Slot,
        a: Slot,
        imm: i32,
        off: u32,
    },
    I64LoadAdd {
        d: Slot,
        a: Slot,
        imm: i32,
        off: u32,
    },
    /// Loads of memory 0 whose address is `a + b` computed just before (`i32.add` of two
    /// values, wrapping: a base and an index), fused into the load.
    I32LoadIdx {
        d: Slot,
        a: Slot,
        b: Slot,
        off: u32,
    },
    I32Load8UIdx {
        d: Slot,
        a: Slot,
        b: Slot,
        off: u32,
    },
    /// `d = c + x * y` in `f64`, rounded after each operation as the two Wasm operators are
    /// (this is not a fused multiply-add): the multiply's result was used only by the add.
    F64MulAdd {
        d: Slot,
        x: Slot,
        y: Slot,
        c: Slot,
    },
    I64StoreAt {
        s: Slot,
        ea: u32,
    },
    /// Stores of a constant to memory 0 (`i32.const V; i32.store`: initialising a field or
    /// a flag byte), the value an immediate instead of a slot a `Const` must fill first. The
    /// 64-bit form's value is sign-extended from its 32 bits.
    I32StoreImm {
        v: i32,
        addr: Slot,
        off: u32,
    },
    I32Store8Imm {
        v: i32,
        addr: Slot,
        off: u32,
    },
    I32Store16Imm {
        v: i32,
        addr: Slot,
        off: u32,
    },
    I64StoreImm {
        v: i32,
        addr: Slot,
        off: u32,
    },
    /// `i64.extend_i32_u`, frequent enough in address arithmetic to skip `Unary`'s dispatch.
    I64ExtendI32U {
        d: Slot,
        s: Slot,
    },
    I32CmpImm {
        op: CmpOp,
        d: Slot,
        a: Slot,
        imm: i32,
    },

    // --- SIMD ---
    Simd1 {
        op: SimdOp,
        lane: u8,
        d: Slot,
        a: Slot,
    },
    Simd2 {
        op: SimdOp,
        d: Slot,
        a: Slot,
        b: Slot,
    },
    Simd3 {
        op: SimdOp,
        d: Slot,
        a: Slot,
        b: Slot,
        c: Slot,
    },
    /// `replace_lane`: `d = a` with lane `lane` set to scalar `b`.
    SimdReplace {
        op: SimdOp,
        lane: u8,
        d: Slot,
        a: Slot,
        b: Slot,
    },
    /// `i8x16.shuffle`; `idx` indexes the constant pool holding the 16 lane selectors.
    Shuffle {
        d: Slot,
        a: Slot,
        b: Slot,
        idx: u32,
    },
    V128Load {
        kind: V128LoadOp,
        d: Slot,
        addr: Slot,
        mem: u16,
        off: u32,
    },
    V128Store {
        s: Slot,
        addr: Slot,
        mem: u16,
        off: u32,
    },
    /// `v128.loadN_lane`: `d = replace lane of v with memory`, `v` and `d` may alias.
    V128LoadLane {
        width: u8,
        lane: u8,
        d: Slot,
        addr: Slot,
        ext: u32,
    },
    V128StoreLane {
        width: u8,
        lane: u8,
        s: Slot,
        addr: Slot,
        ext: u32,
    },
}

impl Instr {
    /// Redirects a branch instruction to `t`.
    ///
    /// # Panics
    /// If `self` is not a branch (a translator bug).
    pub fn set_target(&mut self, target: Target) {
        match self.target_mut() {
            Some(t) => *t = target,
            None => unreachable!("not a branch: {self:?}"),
        }
    }

    /// The branch target of a branch instruction. The one list of branches: the translator
    /// patches targets through it and the verifier checks them through it, so a branch the
    /// translator can emit is always checked.
    pub fn target_mut(&mut self) -> Option<&mut Target> {
        match self {
            Instr::Br { t }
            | Instr::BrIfNz { t, .. }
            | Instr::BrIfEqz { t, .. }
            | Instr::BrCmpI32 { t, .. }
            | Instr::BrCmpI32Imm { t, .. } => Some(t),
            _ => None,
        }
    }

    /// The slot this instruction writes its single result to, if it has exactly one.
    pub fn result_slot_mut(&mut self) -> Option<&mut Slot> {
        match self {
            Instr::Unary { d, .. }
            | Instr::Binary { d, .. }
            | Instr::I32AddImm { d, .. }
            | Instr::I64AddImm { d, .. }
            | Instr::I32Add { d, .. }
            | Instr::I32Sub { d, .. }
            | Instr::I64Add { d, .. }
            | Instr::I64Sub { d, .. }
            | Instr::I32Cmp { d, .. }
            | Instr::I32CmpImm { d, .. }
            | Instr::I32RotlImm { d, .. }
            | Instr::I64ShlImm { d, .. }
            | Instr::I64ShrSImm { d, .. }
            | Instr::I64ShrUImm { d, .. }
            | Instr::I64RotlImm { d, .. }
            | Instr::I64AndImm { d, .. }
            | Instr::I64OrImm { d, .. }
            | Instr::I64XorImm { d, .. }
            | Instr::I64MulImm { d, .. }
            | Instr::I32Mul { d, .. }
            | Instr::I32And { d, .. }
            | Instr::I32Or { d, .. }
            | Instr::I32Xor { d, .. }
            | Instr::I32Shl { d, .. }
            | Instr::I32ShrS { d, .. }
            | Instr::I32ShrU { d, .. }
            | Instr::I64Mul { d, .. }
            | Instr::I64And { d, .. }
            | Instr::I64Or { d, .. }
            | Instr::I64Xor { d, .. }
            | Instr::I64Shl { d, .. }
            | Instr::I64ShrS { d, .. }
            | Instr::I64ShrU { d, .. }
            | Instr::F32Add { d, .. }
            | Instr::F32Sub { d, .. }
            | Instr::F32Mul { d, .. }
            | Instr::F64Add { d, .. }
            | Instr::F64Sub { d, .. }
            | Instr::F64Mul { d, .. }
            | Instr::F64Div { d, .. }
            | Instr::I32AndImm { d, .. }
            | Instr::I32OrImm { d, .. }
            | Instr::I32XorImm { d, .. }
            | Instr::I32ShlImm { d, .. }
            | Instr::I32ShrSImm { d, .. }
            | Instr::I32ShrUImm { d, .. }
            | Instr::I32MulImm { d, .. }
            | Instr::I32Load { d, .. }
            | Instr::I64Load { d, .. }
            | Instr::I32Load8U { d, .. }
            | Instr::I32Load8S { d, .. }
            | Instr::I32Load16U { d, .. }
            | Instr::I32Load16S { d, .. }
            | Instr::I64Load32U { d, .. }
            | Instr::I32LoadAt { d, .. }
            | Instr::I64LoadAt { d, .. }
            | Instr::I32LoadAdd { d, .. }
            | Instr::I64LoadAdd { d, .. }
            | Instr::I32LoadIdx { d, .. }
            | Instr::I32Load8UIdx { d, .. }
            | Instr::F64MulAdd { d, .. }
            | Instr::I64ExtendI32U { d, .. }
            | Instr::Const32 { d, .. }
            | Instr::Const64 { d, .. }
            | Instr::Copy { d, .. }
            | Instr::Select { d, .. }
            | Instr::GlobalGet { d, .. }
            | Instr::Load { d, .. }
            | Instr::TableGet { d, .. }
            | Instr::RefFunc { d, .. }
            | Instr::MemorySize { d, .. }
            | Instr::TableSize { d, .. } => Some(d),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instr_is_compact() {
        assert!(std::mem::size_of::<super::Instr>() <= 16, "{}", std::mem::size_of::<super::Instr>());
    }
}
