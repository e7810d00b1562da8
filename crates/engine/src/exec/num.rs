//! Scalar numeric semantics, as the spec's numerics chapter defines them.

use crate::error::TrapCode;
use crate::ir::{BinOp, UnOp};

#[inline(always)]
fn f32v(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
#[inline(always)]
fn f64v(x: u64) -> f64 {
    f64::from_bits(x)
}
#[inline(always)]
fn of32(x: f32) -> u64 {
    u64::from(x.to_bits())
}
#[inline(always)]
fn of64(x: f64) -> u64 {
    x.to_bits()
}
#[inline(always)]
fn b(x: bool) -> u64 {
    u64::from(x)
}

/// Rounding may hand a signalling NaN back unchanged; the spec wants a quiet (arithmetic) NaN.
#[inline(always)]
fn q32(x: f32) -> u64 {
    let bits = x.to_bits();
    u64::from(if x.is_nan() { bits | 0x0040_0000 } else { bits })
}
#[inline(always)]
fn q64(x: f64) -> u64 {
    let bits = x.to_bits();
    if x.is_nan() {
        bits | 0x0008_0000_0000_0000
    } else {
        bits
    }
}

/// `fmin`: NaN if either operand is NaN; -0 is smaller than +0.
fn fmin32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        return f32::from_bits(a.to_bits() | b.to_bits());
    }
    if a < b {
        a
    } else {
        b
    }
}
fn fmax32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        return f32::from_bits(a.to_bits() & b.to_bits());
    }
    if a > b {
        a
    } else {
        b
    }
}
fn fmin64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        return f64::from_bits(a.to_bits() | b.to_bits());
    }
    if a < b {
        a
    } else {
        b
    }
}
fn fmax64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        return f64::from_bits(a.to_bits() & b.to_bits());
    }
    if a > b {
        a
    } else {
        b
    }
}

/// Truncation with the spec's traps: NaN is an invalid conversion, out of range overflows.
/// `lo` and `hi` are exclusive bounds on the truncated value.
#[inline]
fn trunc(x: f64, lo: f64, hi: f64) -> Result<f64, TrapCode> {
    if x.is_nan() {
        return Err(TrapCode::BadConversionToInteger);
    }
    let t = x.trunc();
    if t <= lo || t >= hi {
        return Err(TrapCode::IntegerOverflow);
    }
    Ok(t)
}

/// Evaluates a unary operator on slot bits.
///
/// # Errors
/// The trap a trapping conversion raises.
#[inline]
pub(crate) fn unop(op: UnOp, x: u64) -> Result<u64, TrapCode> {
    let x32 = x as u32;
    Ok(match op {
        UnOp::I32Eqz => b(x32 == 0),
        UnOp::I64Eqz => b(x == 0),
        UnOp::I32Clz => u64::from(x32.leading_zeros()),
        UnOp::I32Ctz => u64::from(x32.trailing_zeros()),
        UnOp::I32Popcnt => u64::from(x32.count_ones()),
        UnOp::I64Clz => u64::from(x.leading_zeros()),
        UnOp::I64Ctz => u64::from(x.trailing_zeros()),
        UnOp::I64Popcnt => u64::from(x.count_ones()),
        UnOp::F32Abs => u64::from(x32 & 0x7fff_ffff),
        UnOp::F32Neg => u64::from(x32 ^ 0x8000_0000),
        UnOp::F32Ceil => q32(f32v(x).ceil()),
        UnOp::F32Floor => q32(f32v(x).floor()),
        UnOp::F32Trunc => q32(f32v(x).trunc()),
        UnOp::F32Nearest => q32(f32v(x).round_ties_even()),
        UnOp::F32Sqrt => q32(f32v(x).sqrt()),
        UnOp::F64Abs => x & 0x7fff_ffff_ffff_ffff,
        UnOp::F64Neg => x ^ 0x8000_0000_0000_0000,
        UnOp::F64Ceil => q64(f64v(x).ceil()),
        UnOp::F64Floor => q64(f64v(x).floor()),
        UnOp::F64Trunc => q64(f64v(x).trunc()),
        UnOp::F64Nearest => q64(f64v(x).round_ties_even()),
        UnOp::F64Sqrt => q64(f64v(x).sqrt()),
        UnOp::I32TruncF32S => trunc(f64::from(f32v(x)), -2147483649.0, 2147483648.0)? as i32 as u32 as u64,
        UnOp::I32TruncF32U => trunc(f64::from(f32v(x)), -1.0, 4294967296.0)? as u32 as u64,
        UnOp::I32TruncF64S => trunc(f64v(x), -2147483649.0, 2147483648.0)? as i32 as u32 as u64,
        UnOp::I32TruncF64U => trunc(f64v(x), -1.0, 4294967296.0)? as u32 as u64,
        UnOp::I64TruncF32S => trunc64s(f64::from(f32v(x)))?,
        UnOp::I64TruncF32U => trunc(f64::from(f32v(x)), -1.0, 18446744073709551616.0)? as u64,
        UnOp::I64TruncF64S => trunc64s(f64v(x))?,
        UnOp::I64TruncF64U => trunc(f64v(x), -1.0, 18446744073709551616.0)? as u64,
        UnOp::I64ExtendI32S => x32 as i32 as i64 as u64,
        UnOp::I64ExtendI32U => u64::from(x32),
        UnOp::F32ConvertI32S => of32(x32 as i32 as f32),
        UnOp::F32ConvertI32U => of32(x32 as f32),
        UnOp::F32ConvertI64S => of32(x as i64 as f32),
        UnOp::F32ConvertI64U => of32(x as f32),
        UnOp::F32DemoteF64 => of32(f64v(x) as f32),
        UnOp::F64ConvertI32S => of64(f64::from(x32 as i32)),
        UnOp::F64ConvertI32U => of64(f64::from(x32)),
        UnOp::F64ConvertI64S => of64(x as i64 as f64),
        UnOp::F64ConvertI64U => of64(x as f64),
        UnOp::F64PromoteF32 => of64(f64::from(f32v(x))),
        UnOp::I32Extend8S => x as i8 as i32 as u32 as u64,
        UnOp::I32Extend16S => x as i16 as i32 as u32 as u64,
        UnOp::I64Extend8S => x as i8 as i64 as u64,
        UnOp::I64Extend16S => x as i16 as i64 as u64,
        UnOp::I64Extend32S => x as i32 as i64 as u64,
        // Rust's float-to-int `as` saturates and maps NaN to 0, exactly trunc_sat.
        UnOp::I32TruncSatF32S => f32v(x) as i32 as u32 as u64,
        UnOp::I32TruncSatF32U => u64::from(f32v(x) as u32),
        UnOp::I32TruncSatF64S => f64v(x) as i32 as u32 as u64,
        UnOp::I32TruncSatF64U => u64::from(f64v(x) as u32),
        UnOp::I64TruncSatF32S => f32v(x) as i64 as u64,
        UnOp::I64TruncSatF32U => f32v(x) as u64,
        UnOp::I64TruncSatF64S => f64v(x) as i64 as u64,
        UnOp::I64TruncSatF64U => f64v(x) as u64,
    })
}

/// `i64.trunc_f*_s`: the lower bound -2^63 is itself representable, so it is inclusive.
fn trunc64s(x: f64) -> Result<u64, TrapCode> {
    if x.is_nan() {
        return Err(TrapCode::BadConversionToInteger);
    }
    let t = x.trunc();
    if !(-9223372036854775808.0..9223372036854775808.0).contains(&t) {
        return Err(TrapCode::IntegerOverflow);
    }
    Ok(t as i64 as u64)
}

/// Evaluates a binary operator on slot bits.
///
/// # Errors
/// Division by zero and signed division overflow.
#[inline]
pub(crate) fn binop(op: BinOp, x: u64, y: u64) -> Result<u64, TrapCode> {
    let (a, c) = (x as u32, y as u32);
    Ok(match op {
        BinOp::I64Eq => b(x == y),
        BinOp::I64Ne => b(x != y),
        BinOp::I64LtS => b((x as i64) < (y as i64)),
        BinOp::I64LtU => b(x < y),
        BinOp::I64GtS => b((x as i64) > (y as i64)),
        BinOp::I64GtU => b(x > y),
        BinOp::I64LeS => b((x as i64) <= (y as i64)),
        BinOp::I64LeU => b(x <= y),
        BinOp::I64GeS => b((x as i64) >= (y as i64)),
        BinOp::I64GeU => b(x >= y),
        BinOp::F32Eq => b(f32v(x) == f32v(y)),
        BinOp::F32Ne => b(f32v(x) != f32v(y)),
        BinOp::F32Lt => b(f32v(x) < f32v(y)),
        BinOp::F32Gt => b(f32v(x) > f32v(y)),
        BinOp::F32Le => b(f32v(x) <= f32v(y)),
        BinOp::F32Ge => b(f32v(x) >= f32v(y)),
        BinOp::F64Eq => b(f64v(x) == f64v(y)),
        BinOp::F64Ne => b(f64v(x) != f64v(y)),
        BinOp::F64Lt => b(f64v(x) < f64v(y)),
        BinOp::F64Gt => b(f64v(x) > f64v(y)),
        BinOp::F64Le => b(f64v(x) <= f64v(y)),
        BinOp::F64Ge => b(f64v(x) >= f64v(y)),
        BinOp::I32Mul => u64::from(a.wrapping_mul(c)),
        BinOp::I32DivS => {
            if c == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            let (q, overflow) = (a as i32).overflowing_div(c as i32);
            if overflow {
                return Err(TrapCode::IntegerOverflow);
            }
            u64::from(q as u32)
        }
        BinOp::I32DivU => u64::from(a.checked_div(c).ok_or(TrapCode::IntegerDivisionByZero)?),
        BinOp::I32RemS => {
            if c == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            u64::from((a as i32).wrapping_rem(c as i32) as u32)
        }
        BinOp::I32RemU => u64::from(a.checked_rem(c).ok_or(TrapCode::IntegerDivisionByZero)?),
        BinOp::I32And => u64::from(a & c),
        BinOp::I32Or => u64::from(a | c),
        BinOp::I32Xor => u64::from(a ^ c),
        BinOp::I32Shl => u64::from(a.wrapping_shl(c)),
        BinOp::I32ShrS => u64::from((a as i32).wrapping_shr(c) as u32),
        BinOp::I32ShrU => u64::from(a.wrapping_shr(c)),
        BinOp::I32Rotl => u64::from(a.rotate_left(c % 32)),
        BinOp::I32Rotr => u64::from(a.rotate_right(c % 32)),
        BinOp::I64Mul => x.wrapping_mul(y),
        BinOp::I64DivS => {
            if y == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            let (q, overflow) = (x as i64).overflowing_div(y as i64);
            if overflow {
                return Err(TrapCode::IntegerOverflow);
            }
            q as u64
        }
        BinOp::I64DivU => x.checked_div(y).ok_or(TrapCode::IntegerDivisionByZero)?,
        BinOp::I64RemS => {
            if y == 0 {
                return Err(TrapCode::IntegerDivisionByZero);
            }
            (x as i64).wrapping_rem(y as i64) as u64
        }
        BinOp::I64RemU => x.checked_rem(y).ok_or(TrapCode::IntegerDivisionByZero)?,
        BinOp::I64And => x & y,
        BinOp::I64Or => x | y,
        BinOp::I64Xor => x ^ y,
        BinOp::I64Shl => x.wrapping_shl(y as u32),
        BinOp::I64ShrS => (x as i64).wrapping_shr(y as u32) as u64,
        BinOp::I64ShrU => x.wrapping_shr(y as u32),
        BinOp::I64Rotl => x.rotate_left((y % 64) as u32),
        BinOp::I64Rotr => x.rotate_right((y % 64) as u32),
        BinOp::F32Add => of32(f32v(x) + f32v(y)),
        BinOp::F32Sub => of32(f32v(x) - f32v(y)),
        BinOp::F32Mul => of32(f32v(x) * f32v(y)),
        BinOp::F32Div => of32(f32v(x) / f32v(y)),
        BinOp::F32Min => of32(fmin32(f32v(x), f32v(y))),
        BinOp::F32Max => of32(fmax32(f32v(x), f32v(y))),
        BinOp::F32Copysign => u64::from((a & 0x7fff_ffff) | (c & 0x8000_0000)),
        BinOp::F64Add => of64(f64v(x) + f64v(y)),
        BinOp::F64Sub => of64(f64v(x) - f64v(y)),
        BinOp::F64Mul => of64(f64v(x) * f64v(y)),
        BinOp::F64Div => of64(f64v(x) / f64v(y)),
        BinOp::F64Min => of64(fmin64(f64v(x), f64v(y))),
        BinOp::F64Max => of64(fmax64(f64v(x), f64v(y))),
        BinOp::F64Copysign => (x & 0x7fff_ffff_ffff_ffff) | (y & 0x8000_0000_0000_0000),
    })
}
