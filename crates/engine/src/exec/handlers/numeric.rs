//! Numeric instructions. The hot operators have their own instructions; the rest are the
//! generic `Unary`/`Binary` instructions, which still get one handler per operator (made by
//! [`per_operator`]), so no instruction decodes its operator at run time.

use super::handlers;
use crate::exec::dispatch::Handler;
use crate::exec::memory::f32_of;
use crate::ir::CmpOp;
use crate::ir::{BinOp, UnOp};

handlers! { |ip, fp, cx, acc|
    i32_add_imm(a) = I32AddImm { d, a, imm } => produce d {
        u64::from((a as u32).wrapping_add(imm as u32))
    }
    i64_add_imm(a) = I64AddImm { d, a, imm } => produce d {
        a.wrapping_add(imm as i64 as u64)
    }
    i32_add(a) = I32Add { d, a, b } => produce d {
        u64::from((a as u32).wrapping_add(fp.r(b) as u32))
    }
    i32_sub(a) = I32Sub { d, a, b } => produce d {
        u64::from((a as u32).wrapping_sub(fp.r(b) as u32))
    }
    i64_add(a) = I64Add { d, a, b } => produce d {
        a.wrapping_add(fp.r(b))
    }
    i64_sub(a) = I64Sub { d, a, b } => produce d {
        a.wrapping_sub(fp.r(b))
    }
    // One handler per comparison (`OP`, a `CmpOp` discriminant; see `by_cmp_op`).
    i32_cmp<OP>(a) = I32Cmp { d, a, b } => produce d {
        u64::from(CmpOp::from_table(OP).holds(a as u32, fp.r(b) as u32))
    }
    i32_cmp_imm<OP>(a) = I32CmpImm { d, a, imm } => produce d {
        u64::from(CmpOp::from_table(OP).holds(a as u32, imm as u32))
    }
    i32_mul(a) = I32Mul { d, a, b } => produce d {
        u64::from((a as u32).wrapping_mul(fp.r(b) as u32))
    }
    i32_and(a) = I32And { d, a, b } => produce d {
        u64::from(a as u32 & fp.r(b) as u32)
    }
    i32_or(a) = I32Or { d, a, b } => produce d {
        u64::from(a as u32 | fp.r(b) as u32)
    }
    i32_xor(a) = I32Xor { d, a, b } => produce d {
        u64::from(a as u32 ^ fp.r(b) as u32)
    }
    i32_shl(a) = I32Shl { d, a, b } => produce d {
        u64::from((a as u32).wrapping_shl(fp.r(b) as u32))
    }
    i32_shr_s(a) = I32ShrS { d, a, b } => produce d {
        u64::from((a as i32).wrapping_shr(fp.r(b) as u32) as u32)
    }
    i32_shr_u(a) = I32ShrU { d, a, b } => produce d {
        u64::from((a as u32).wrapping_shr(fp.r(b) as u32))
    }
    i64_mul(a) = I64Mul { d, a, b } => produce d {
        a.wrapping_mul(fp.r(b))
    }
    i64_and(a) = I64And { d, a, b } => produce d {
        a & fp.r(b)
    }
    i64_or(a) = I64Or { d, a, b } => produce d {
        a | fp.r(b)
    }
    i64_xor(a) = I64Xor { d, a, b } => produce d {
        a ^ fp.r(b)
    }
    i64_shl(a) = I64Shl { d, a, b } => produce d {
        a.wrapping_shl(fp.r(b) as u32)
    }
    i64_shr_s(a) = I64ShrS { d, a, b } => produce d {
        (a as i64).wrapping_shr(fp.r(b) as u32) as u64
    }
    i64_shr_u(a) = I64ShrU { d, a, b } => produce d {
        a.wrapping_shr(fp.r(b) as u32)
    }
    f32_add(a) = F32Add { d, a, b } => produce d {
        u64::from((f32_of(a) + f32_of(fp.r(b))).to_bits())
    }
    f32_sub(a) = F32Sub { d, a, b } => produce d {
        u64::from((f32_of(a) - f32_of(fp.r(b))).to_bits())
    }
    f32_mul(a) = F32Mul { d, a, b } => produce d {
        u64::from((f32_of(a) * f32_of(fp.r(b))).to_bits())
    }
    f64_add(a) = F64Add { d, a, b } => produce d {
        (f64::from_bits(a) + f64::from_bits(fp.r(b))).to_bits()
    }
    f64_sub(a) = F64Sub { d, a, b } => produce d {
        (f64::from_bits(a) - f64::from_bits(fp.r(b))).to_bits()
    }
    f64_mul(a) = F64Mul { d, a, b } => produce d {
        (f64::from_bits(a) * f64::from_bits(fp.r(b))).to_bits()
    }
    f64_div(a) = F64Div { d, a, b } => produce d {
        (f64::from_bits(a) / f64::from_bits(fp.r(b))).to_bits()
    }
    f64_mul_add(y) = F64MulAdd { d, x, y, c } => produce d {
        // Rounded twice, like the `f64.mul` and `f64.add` it replaces (not a fused FMA).
        let product = f64::from_bits(fp.r(x)) * f64::from_bits(y);
        (f64::from_bits(fp.r(c)) + product).to_bits()
    }
    i32_and_imm(a) = I32AndImm { d, a, imm } => produce d {
        u64::from(a as u32 & imm as u32)
    }
    i32_or_imm(a) = I32OrImm { d, a, imm } => produce d {
        u64::from(a as u32 | imm as u32)
    }
    i32_xor_imm(a) = I32XorImm { d, a, imm } => produce d {
        u64::from(a as u32 ^ imm as u32)
    }
    i32_shl_imm(a) = I32ShlImm { d, a, imm } => produce d {
        u64::from((a as u32).wrapping_shl(imm as u32))
    }
    i32_shr_s_imm(a) = I32ShrSImm { d, a, imm } => produce d {
        u64::from((a as i32).wrapping_shr(imm as u32) as u32)
    }
    i32_shr_u_imm(a) = I32ShrUImm { d, a, imm } => produce d {
        u64::from((a as u32).wrapping_shr(imm as u32))
    }
    i32_rotl_imm(a) = I32RotlImm { d, a, imm } => produce d {
        u64::from((a as u32).rotate_left(imm as u32))
    }
    i32_mul_imm(a) = I32MulImm { d, a, imm } => produce d {
        u64::from((a as u32).wrapping_mul(imm as u32))
    }
    i64_shl_imm(a) = I64ShlImm { d, a, imm } => produce d {
        a << imm
    }
    i64_shr_s_imm(a) = I64ShrSImm { d, a, imm } => produce d {
        ((a as i64) >> imm) as u64
    }
    i64_shr_u_imm(a) = I64ShrUImm { d, a, imm } => produce d {
        a >> imm
    }
    i64_rotl_imm(a) = I64RotlImm { d, a, imm } => produce d {
        a.rotate_left(imm as u32)
    }
    i64_and_imm(a) = I64AndImm { d, a, imm } => produce d {
        a & imm as i64 as u64
    }
    i64_or_imm(a) = I64OrImm { d, a, imm } => produce d {
        a | imm as i64 as u64
    }
    i64_xor_imm(a) = I64XorImm { d, a, imm } => produce d {
        a ^ imm as i64 as u64
    }
    i64_mul_imm(a) = I64MulImm { d, a, imm } => produce d {
        a.wrapping_mul(imm as i64 as u64)
    }
    i64_extend_i32_u(s) = I64ExtendI32U { d, s } => produce d {
        u64::from(s as u32)
    }
}

/// For each operator of a generic numeric instruction, a handler that evaluates that operator
/// (a constant, so `num::unop`/`num::binop` reduce to its one arm), and the function that
/// picks the handler for an operator. Each is a producer; `$eval` gives the result slot and
/// value.
macro_rules! per_operator {
    ($pick:ident, $Op:ident, |$ip:ident, $fp:ident, $cx:ident, $opv:ident| $pat:pat => $eval:expr, [$($op:ident),* $(,)?]) => {
        #[allow(non_snake_case)]
        mod $pick {
            use super::*;
            use crate::exec::dispatch::{next, Cx, Flow, Op, Regs};
            use crate::exec::handlers::or_trap;
            use crate::exec::num;
            $(
                #[allow(unreachable_code)]
                #[cfg_attr(target_os = "linux", link_section = ".text.hot.tessera_handlers")]
                pub(super) unsafe fn $op($ip: *const Op, $fp: Regs, $cx: &mut Cx, _: u64) -> Flow {
                    // SAFETY: `handler_for` gave this handler only to this instruction and
                    // operator.
                    let $pat = (unsafe { *$ip }).instr else {
                        unsafe { std::hint::unreachable_unchecked() }
                    };
                    let $opv = $Op::$op;
                    let (d, v): (crate::ir::Slot, u64) = $eval;
                    $fp.w(d, v);
                    // SAFETY: as in `handlers!`.
                    next!(unsafe { $ip.add(1) }, $fp, $cx, v)
                }
            )*
        }
        pub(super) fn $pick(op: $Op) -> Handler {
            match op {
                $($Op::$op => $pick::$op,)*
            }
        }
    };
}

per_operator!(unary_handler, UnOp, |ip, fp, cx, op| crate::ir::Instr::Unary { d, s, .. } => {
    (d, or_trap!(cx, ip, num::unop(op, fp.r(s))))
}, [
    I32Eqz, I64Eqz, I32Clz, I32Ctz, I32Popcnt, I64Clz, I64Ctz, I64Popcnt, F32Abs, F32Neg, F32Ceil,
    F32Floor, F32Trunc, F32Nearest, F32Sqrt, F64Abs, F64Neg, F64Ceil, F64Floor, F64Trunc,
    F64Nearest, F64Sqrt, I32TruncF32S, I32TruncF32U, I32TruncF64S, I32TruncF64U, I64ExtendI32S,
    I64ExtendI32U, I64TruncF32S, I64TruncF32U, I64TruncF64S, I64TruncF64U, F32ConvertI32S,
    F32ConvertI32U, F32ConvertI64S, F32ConvertI64U, F32DemoteF64, F64ConvertI32S, F64ConvertI32U,
    F64ConvertI64S, F64ConvertI64U, F64PromoteF32, I32Extend8S, I32Extend16S, I64Extend8S,
    I64Extend16S, I64Extend32S, I32TruncSatF32S, I32TruncSatF32U, I32TruncSatF64S,
    I32TruncSatF64U, I64TruncSatF32S, I64TruncSatF32U, I64TruncSatF64S, I64TruncSatF64U,
]);

per_operator!(binary_handler, BinOp, |ip, fp, cx, op| crate::ir::Instr::Binary { d, a, b, .. } => {
    (d, or_trap!(cx, ip, num::binop(op, fp.r(a), fp.r(b))))
}, [
    I64Eq, I64Ne, I64LtS, I64LtU, I64GtS, I64GtU, I64LeS, I64LeU, I64GeS, I64GeU, F32Eq, F32Ne,
    F32Lt, F32Gt, F32Le, F32Ge, F64Eq, F64Ne, F64Lt, F64Gt, F64Le, F64Ge, I32Mul, I32DivS,
    I32DivU, I32RemS, I32RemU, I32And, I32Or, I32Xor, I32Shl, I32ShrS, I32ShrU, I32Rotl, I32Rotr,
    I64Mul, I64DivS, I64DivU, I64RemS, I64RemU, I64And, I64Or, I64Xor, I64Shl, I64ShrS, I64ShrU,
    I64Rotl, I64Rotr, F32Add, F32Sub, F32Mul, F32Div, F32Min, F32Max, F32Copysign, F64Add,
    F64Sub, F64Mul, F64Div, F64Min, F64Max, F64Copysign,
]);
