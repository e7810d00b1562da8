//! The operator enums that IR instructions carry: comparisons, load and store kinds, and the
//! scalar unary and binary operators that have no instruction of their own.

use crate::simd::LoadKind;

/// `i32` comparisons shared by the fused compare-and-branch instructions.
///
/// Each discriminant is the comparison's truth table: bit 0 set if it holds when `a < b`, bit
/// 1 when `a == b`, bit 3 when `a > b`, and bit 2 marks a signed comparison. [`CmpOp::eval`]
/// reads the answer out of it without a branch: a second jump table behind every compare was
/// one mispredicted indirect jump per loop iteration (measured with `perf annotate`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CmpOp {
    Eq = CMP_EQ,
    Ne = CMP_LT | CMP_GT,
    LtS = CMP_LT | CMP_SIGNED,
    LtU = CMP_LT,
    GtS = CMP_GT | CMP_SIGNED,
    GtU = CMP_GT,
    LeS = CMP_LT | CMP_EQ | CMP_SIGNED,
    LeU = CMP_LT | CMP_EQ,
    GeS = CMP_GT | CMP_EQ | CMP_SIGNED,
    GeU = CMP_GT | CMP_EQ,
}

const CMP_LT: u8 = 1 << 0;
const CMP_EQ: u8 = 1 << 1;
const CMP_SIGNED: u8 = 1 << 2;
const CMP_GT: u8 = 1 << 3;

impl CmpOp {
    #[inline(always)]
    pub fn eval(self, a: u32, b: u32) -> bool {
        let table = u32::from(self as u8);
        // A signed comparison is the unsigned one with both sign bits flipped.
        let flip = (table & u32::from(CMP_SIGNED)) << 29;
        let (a, b) = (a ^ flip, b ^ flip);
        // 0 when a < b, 1 when a == b, 3 when a > b: the bit positions of the table.
        let outcome = 2 * u32::from(a > b) + u32::from(a >= b);
        (table >> outcome) & 1 != 0
    }

    /// [`CmpOp::eval`] as plain comparisons: for a constant operator (an interpreter handler
    /// per operator), this folds to one compare instruction.
    #[inline(always)]
    pub fn holds(self, a: u32, b: u32) -> bool {
        let (sa, sb) = (a as i32, b as i32);
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::LtS => sa < sb,
            CmpOp::LtU => a < b,
            CmpOp::GtS => sa > sb,
            CmpOp::GtU => a > b,
            CmpOp::LeS => sa <= sb,
            CmpOp::LeU => a <= b,
            CmpOp::GeS => sa >= sb,
            CmpOp::GeU => a >= b,
        }
    }

    /// The operator whose discriminant is `table`.
    ///
    /// # Panics
    /// If `table` is no operator's discriminant.
    #[inline(always)]
    pub const fn from_table(table: u8) -> CmpOp {
        const ALL: [CmpOp; 10] = [
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::LtS,
            CmpOp::LtU,
            CmpOp::GtS,
            CmpOp::GtU,
            CmpOp::LeS,
            CmpOp::LeU,
            CmpOp::GeS,
            CmpOp::GeU,
        ];
        let mut i = 0;
        while i < ALL.len() {
            if ALL[i] as u8 == table {
                return ALL[i];
            }
            i += 1;
        }
        panic!("not a comparison operator")
    }

    /// The comparison that holds exactly when this one does not.
    pub fn negate(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::LtS => CmpOp::GeS,
            CmpOp::LtU => CmpOp::GeU,
            CmpOp::GtS => CmpOp::LeS,
            CmpOp::GtU => CmpOp::LeU,
            CmpOp::LeS => CmpOp::GtS,
            CmpOp::LeU => CmpOp::GtU,
            CmpOp::GeS => CmpOp::LtS,
            CmpOp::GeU => CmpOp::LtU,
        }
    }
}

/// Scalar loads: the width read and how it is extended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoadOp {
    I32,
    I64,
    F32,
    F64,
    I32_8S,
    I32_8U,
    I32_16S,
    I32_16U,
    I64_8S,
    I64_8U,
    I64_16S,
    I64_16U,
    I64_32S,
    I64_32U,
}

/// Scalar stores: the number of low bytes written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StoreOp {
    B1,
    B2,
    B4,
    B8,
}

/// `v128` loads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum V128LoadOp {
    Full,
    Ext(LoadKind),
}

/// Unary scalar operators (one slot in, one slot out).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum UnOp {
    I32Eqz,
    I64Eqz,
    I32Clz,
    I32Ctz,
    I32Popcnt,
    I64Clz,
    I64Ctz,
    I64Popcnt,
    F32Abs,
    F32Neg,
    F32Ceil,
    F32Floor,
    F32Trunc,
    F32Nearest,
    F32Sqrt,
    F64Abs,
    F64Neg,
    F64Ceil,
    F64Floor,
    F64Trunc,
    F64Nearest,
    F64Sqrt,
    I32TruncF32S,
    I32TruncF32U,
    I32TruncF64S,
    I32TruncF64U,
    I64ExtendI32S,
    I64ExtendI32U,
    I64TruncF32S,
    I64TruncF32U,
    I64TruncF64S,
    I64TruncF64U,
    F32ConvertI32S,
    F32ConvertI32U,
    F32ConvertI64S,
    F32ConvertI64U,
    F32DemoteF64,
    F64ConvertI32S,
    F64ConvertI32U,
    F64ConvertI64S,
    F64ConvertI64U,
    F64PromoteF32,
    I32Extend8S,
    I32Extend16S,
    I64Extend8S,
    I64Extend16S,
    I64Extend32S,
    I32TruncSatF32S,
    I32TruncSatF32U,
    I32TruncSatF64S,
    I32TruncSatF64U,
    I64TruncSatF32S,
    I64TruncSatF32U,
    I64TruncSatF64S,
    I64TruncSatF64U,
}

/// Binary scalar operators (two slots in, one slot out).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinOp {
    I64Eq,
    I64Ne,
    I64LtS,
    I64LtU,
    I64GtS,
    I64GtU,
    I64LeS,
    I64LeU,
    I64GeS,
    I64GeU,
    F32Eq,
    F32Ne,
    F32Lt,
    F32Gt,
    F32Le,
    F32Ge,
    F64Eq,
    F64Ne,
    F64Lt,
    F64Gt,
    F64Le,
    F64Ge,
    I32Mul,
    I32DivS,
    I32DivU,
    I32RemS,
    I32RemU,
    I32And,
    I32Or,
    I32Xor,
    I32Shl,
    I32ShrS,
    I32ShrU,
    I32Rotl,
    I32Rotr,
    I64Mul,
    I64DivS,
    I64DivU,
    I64RemS,
    I64RemU,
    I64And,
    I64Or,
    I64Xor,
    I64Shl,
    I64ShrS,
    I64ShrU,
    I64Rotl,
    I64Rotr,
    F32Add,
    F32Sub,
    F32Mul,
    F32Div,
    F32Min,
    F32Max,
    F32Copysign,
    F64Add,
    F64Sub,
    F64Mul,
    F64Div,
    F64Min,
    F64Max,
    F64Copysign,
}

#[cfg(test)]
mod tests {
    use super::CmpOp;

    #[test]
    fn cmp_op_truth_tables_match_the_operators() {
        let values = [0u32, 1, 2, 0x7fff_ffff, 0x8000_0000, 0x8000_0001, u32::MAX - 1, u32::MAX];
        for a in values {
            for b in values {
                let (sa, sb) = (a as i32, b as i32);
                let expected = [
                    (CmpOp::Eq, a == b),
                    (CmpOp::Ne, a != b),
                    (CmpOp::LtS, sa < sb),
                    (CmpOp::LtU, a < b),
                    (CmpOp::GtS, sa > sb),
                    (CmpOp::GtU, a > b),
                    (CmpOp::LeS, sa <= sb),
                    (CmpOp::LeU, a <= b),
                    (CmpOp::GeS, sa >= sb),
                    (CmpOp::GeU, a >= b),
                ];
                for (op, want) in expected {
                    assert_eq!(op.eval(a, b), want, "{op:?} {a:#x} {b:#x}");
                    assert_eq!(op.holds(a, b), want, "{op:?} {a:#x} {b:#x}");
                    assert_eq!(CmpOp::from_table(op as u8), op);
                    assert_eq!(op.negate().eval(a, b), !want, "negated {op:?} {a:#x} {b:#x}");
                }
            }
        }
    }
}
