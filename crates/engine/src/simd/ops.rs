//! The SIMD operator table: [`SimdOp`], its [`Shape`], and [`decode`] from
//! wasmparser's [`Operator`].

use wasmparser::{Operator, ValType};

/// Operand/result shape of a [`SimdOp`], which tells the interpreter how many
/// operands to pop and what to push.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// v128 -> v128
    Unary,
    /// (v128, v128) -> v128
    Binary,
    /// (v128, v128, v128) -> v128   (v128.bitselect)
    Ternary,
    /// v128 -> scalar of the given type (any_true, all_true, bitmask -> I32;
    /// extract_lane -> I32/I64/F32/F64)
    ToScalar(ValType),
    /// scalar of the given type -> v128 (splat)
    FromScalar(ValType),
    /// (v128, i32) -> v128 (shl, shr_s, shr_u)
    Shift,
    /// (v128, scalar of the given type) -> v128 (replace_lane)
    Replace(ValType),
}

const UN: Shape = Shape::Unary;
const BIN: Shape = Shape::Binary;
const SH: Shape = Shape::Shift;
const TO_I32: Shape = Shape::ToScalar(ValType::I32);

/// Declares [`SimdOp`], [`SimdOp::shape`] and [`decode`] from one table.
/// Operators in `lane` carry a lane immediate; those in `plain` carry none.
macro_rules! simd_ops {
    (
        lane { $($l:ident => $ls:expr,)* }
        plain { $($p:ident => $ps:expr,)* }
    ) => {
        /// Every SIMD operator that is neither a memory access nor `v128.const`
        /// nor `i8x16.shuffle`. Variants are named like wasmparser's
        /// [`Operator`] variants.
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub enum SimdOp {
            $($l,)*
            $($p,)*
        }

        impl SimdOp {
            /// Every operator, in declaration order.
            pub const ALL: &'static [SimdOp] = &[$(SimdOp::$l,)* $(SimdOp::$p,)*];

            /// Operand/result shape of this operator.
            #[inline]
            pub fn shape(self) -> Shape {
                match self {
                    $(SimdOp::$l => $ls,)*
                    $(SimdOp::$p => $ps,)*
                }
            }
        }

        /// Maps a wasmparser operator to `(SimdOp, lane immediate or 0)`.
        ///
        /// Returns `None` for every operator that is not covered: scalar
        /// operators, v128 loads/stores, `v128.const`, `i8x16.shuffle` and the
        /// relaxed-simd operators.
        #[inline]
        pub fn decode(op: &Operator<'_>) -> Option<(SimdOp, u8)> {
            match *op {
                $(Operator::$l { lane } => Some((SimdOp::$l, lane)),)*
                $(Operator::$p => Some((SimdOp::$p, 0)),)*
                _ => None,
            }
        }
    };
}

simd_ops! {
    lane {
        I8x16ExtractLaneS => TO_I32,
        I8x16ExtractLaneU => TO_I32,
        I8x16ReplaceLane => Shape::Replace(ValType::I32),
        I16x8ExtractLaneS => TO_I32,
        I16x8ExtractLaneU => TO_I32,
        I16x8ReplaceLane => Shape::Replace(ValType::I32),
        I32x4ExtractLane => TO_I32,
        I32x4ReplaceLane => Shape::Replace(ValType::I32),
        I64x2ExtractLane => Shape::ToScalar(ValType::I64),
        I64x2ReplaceLane => Shape::Replace(ValType::I64),
        F32x4ExtractLane => Shape::ToScalar(ValType::F32),
        F32x4ReplaceLane => Shape::Replace(ValType::F32),
        F64x2ExtractLane => Shape::ToScalar(ValType::F64),
        F64x2ReplaceLane => Shape::Replace(ValType::F64),
    }
    plain {
        I8x16Swizzle => BIN,
        I8x16Splat => Shape::FromScalar(ValType::I32),
        I16x8Splat => Shape::FromScalar(ValType::I32),
        I32x4Splat => Shape::FromScalar(ValType::I32),
        I64x2Splat => Shape::FromScalar(ValType::I64),
        F32x4Splat => Shape::FromScalar(ValType::F32),
        F64x2Splat => Shape::FromScalar(ValType::F64),
        I8x16Eq => BIN, I8x16Ne => BIN,
        I8x16LtS => BIN, I8x16LtU => BIN, I8x16GtS => BIN, I8x16GtU => BIN,
        I8x16LeS => BIN, I8x16LeU => BIN, I8x16GeS => BIN, I8x16GeU => BIN,
        I16x8Eq => BIN, I16x8Ne => BIN,
        I16x8LtS => BIN, I16x8LtU => BIN, I16x8GtS => BIN, I16x8GtU => BIN,
        I16x8LeS => BIN, I16x8LeU => BIN, I16x8GeS => BIN, I16x8GeU => BIN,
        I32x4Eq => BIN, I32x4Ne => BIN,
        I32x4LtS => BIN, I32x4LtU => BIN, I32x4GtS => BIN, I32x4GtU => BIN,
        I32x4LeS => BIN, I32x4LeU => BIN, I32x4GeS => BIN, I32x4GeU => BIN,
        I64x2Eq => BIN, I64x2Ne => BIN,
        I64x2LtS => BIN, I64x2GtS => BIN, I64x2LeS => BIN, I64x2GeS => BIN,
        F32x4Eq => BIN, F32x4Ne => BIN, F32x4Lt => BIN, F32x4Gt => BIN, F32x4Le => BIN, F32x4Ge => BIN,
        F64x2Eq => BIN, F64x2Ne => BIN, F64x2Lt => BIN, F64x2Gt => BIN, F64x2Le => BIN, F64x2Ge => BIN,
        V128Not => UN,
        V128And => BIN, V128AndNot => BIN, V128Or => BIN, V128Xor => BIN,
        V128Bitselect => Shape::Ternary,
        V128AnyTrue => TO_I32,
        I8x16Abs => UN, I8x16Neg => UN, I8x16Popcnt => UN,
        I8x16AllTrue => TO_I32, I8x16Bitmask => TO_I32,
        I8x16NarrowI16x8S => BIN, I8x16NarrowI16x8U => BIN,
        I8x16Shl => SH, I8x16ShrS => SH, I8x16ShrU => SH,
        I8x16Add => BIN, I8x16AddSatS => BIN, I8x16AddSatU => BIN,
        I8x16Sub => BIN, I8x16SubSatS => BIN, I8x16SubSatU => BIN,
        I8x16MinS => BIN, I8x16MinU => BIN, I8x16MaxS => BIN, I8x16MaxU => BIN,
        I8x16AvgrU => BIN,
        I16x8ExtAddPairwiseI8x16S => UN, I16x8ExtAddPairwiseI8x16U => UN,
        I16x8Abs => UN, I16x8Neg => UN,
        I16x8Q15MulrSatS => BIN,
        I16x8AllTrue => TO_I32, I16x8Bitmask => TO_I32,
        I16x8NarrowI32x4S => BIN, I16x8NarrowI32x4U => BIN,
        I16x8ExtendLowI8x16S => UN, I16x8ExtendHighI8x16S => UN,
        I16x8ExtendLowI8x16U => UN, I16x8ExtendHighI8x16U => UN,
        I16x8Shl => SH, I16x8ShrS => SH, I16x8ShrU => SH,
        I16x8Add => BIN, I16x8AddSatS => BIN, I16x8AddSatU => BIN,
        I16x8Sub => BIN, I16x8SubSatS => BIN, I16x8SubSatU => BIN,
        I16x8Mul => BIN,
        I16x8MinS => BIN, I16x8MinU => BIN, I16x8MaxS => BIN, I16x8MaxU => BIN,
        I16x8AvgrU => BIN,
        I16x8ExtMulLowI8x16S => BIN, I16x8ExtMulHighI8x16S => BIN,
        I16x8ExtMulLowI8x16U => BIN, I16x8ExtMulHighI8x16U => BIN,
        I32x4ExtAddPairwiseI16x8S => UN, I32x4ExtAddPairwiseI16x8U => UN,
        I32x4Abs => UN, I32x4Neg => UN,
        I32x4AllTrue => TO_I32, I32x4Bitmask => TO_I32,
        I32x4ExtendLowI16x8S => UN, I32x4ExtendHighI16x8S => UN,
        I32x4ExtendLowI16x8U => UN, I32x4ExtendHighI16x8U => UN,
        I32x4Shl => SH, I32x4ShrS => SH, I32x4ShrU => SH,
        I32x4Add => BIN, I32x4Sub => BIN, I32x4Mul => BIN,
        I32x4MinS => BIN, I32x4MinU => BIN, I32x4MaxS => BIN, I32x4MaxU => BIN,
        I32x4DotI16x8S => BIN,
        I32x4ExtMulLowI16x8S => BIN, I32x4ExtMulHighI16x8S => BIN,
        I32x4ExtMulLowI16x8U => BIN, I32x4ExtMulHighI16x8U => BIN,
        I64x2Abs => UN, I64x2Neg => UN,
        I64x2AllTrue => TO_I32, I64x2Bitmask => TO_I32,
        I64x2ExtendLowI32x4S => UN, I64x2ExtendHighI32x4S => UN,
        I64x2ExtendLowI32x4U => UN, I64x2ExtendHighI32x4U => UN,
        I64x2Shl => SH, I64x2ShrS => SH, I64x2ShrU => SH,
        I64x2Add => BIN, I64x2Sub => BIN, I64x2Mul => BIN,
        I64x2ExtMulLowI32x4S => BIN, I64x2ExtMulHighI32x4S => BIN,
        I64x2ExtMulLowI32x4U => BIN, I64x2ExtMulHighI32x4U => BIN,
        F32x4Ceil => UN, F32x4Floor => UN, F32x4Trunc => UN, F32x4Nearest => UN,
        F32x4Abs => UN, F32x4Neg => UN, F32x4Sqrt => UN,
        F32x4Add => BIN, F32x4Sub => BIN, F32x4Mul => BIN, F32x4Div => BIN,
        F32x4Min => BIN, F32x4Max => BIN, F32x4PMin => BIN, F32x4PMax => BIN,
        F64x2Ceil => UN, F64x2Floor => UN, F64x2Trunc => UN, F64x2Nearest => UN,
        F64x2Abs => UN, F64x2Neg => UN, F64x2Sqrt => UN,
        F64x2Add => BIN, F64x2Sub => BIN, F64x2Mul => BIN, F64x2Div => BIN,
        F64x2Min => BIN, F64x2Max => BIN, F64x2PMin => BIN, F64x2PMax => BIN,
        I32x4TruncSatF32x4S => UN, I32x4TruncSatF32x4U => UN,
        F32x4ConvertI32x4S => UN, F32x4ConvertI32x4U => UN,
        I32x4TruncSatF64x2SZero => UN, I32x4TruncSatF64x2UZero => UN,
        F64x2ConvertLowI32x4S => UN, F64x2ConvertLowI32x4U => UN,
        F32x4DemoteF64x2Zero => UN, F64x2PromoteLowF32x4 => UN,
    }
}
