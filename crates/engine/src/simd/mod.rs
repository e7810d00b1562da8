//! Pure semantics of the WebAssembly fixed-width SIMD (`v128`) instructions.
//!
//! A `v128` value is a `u128` in little-endian lane order: lane 0 occupies the
//! least significant bits. Scalars cross the boundary as raw bits in a `u64`
//! (an `i32` or `f32` in the low 32 bits, zero-extended). Nothing here touches
//! memory or interpreter state: memory accesses are the interpreter's job, and
//! [`load_extend`] only turns the bytes it read into a vector.
//!
//! Float results that are NaN always have the quiet bit set (they are
//! "arithmetic" NaNs, and canonical NaNs stay canonical), as the spec requires;
//! `neg`/`abs` only touch the sign bit and `pmin`/`pmax` return an operand
//! unchanged.

mod ops;

pub use ops::{decode, Shape, SimdOp};

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------
// Lane helpers. A lane of width `w` bits (8, 16, 32 or 64) is read as an
// `i128`, sign- or zero-extended; writing truncates to `w` bits, which gives
// wrapping (modular) integer semantics for free.

/// Lane `i` of width `w`, sign-extended if `s`, else zero-extended.
#[inline(always)]
fn get(v: u128, w: u32, i: u32, s: bool) -> i128 {
    let top = (v >> (w * i)) << (128 - w);
    if s {
        (top as i128) >> (128 - w)
    } else {
        (top >> (128 - w)) as i128
    }
}

/// `x` truncated to `w` bits, placed in lane `i`.
#[inline(always)]
fn put(w: u32, i: u32, x: i128) -> u128 {
    (((x as u128) << (128 - w)) >> (128 - w)) << (w * i)
}

/// All-ones mask for one lane of width `w`.
#[inline(always)]
fn ones(w: u32) -> u128 {
    u128::MAX >> (128 - w)
}

#[inline(always)]
fn map(a: u128, w: u32, s: bool, f: impl Fn(i128) -> i128) -> u128 {
    (0..128 / w).fold(0, |r, i| r | put(w, i, f(get(a, w, i, s))))
}

#[inline(always)]
fn zip(a: u128, b: u128, w: u32, s: bool, f: impl Fn(i128, i128) -> i128) -> u128 {
    (0..128 / w).fold(0, |r, i| r | put(w, i, f(get(a, w, i, s), get(b, w, i, s))))
}

/// Lane-wise comparison producing all-ones / all-zeros lanes.
#[inline(always)]
fn cmp(a: u128, b: u128, w: u32, s: bool, f: impl Fn(i128, i128) -> bool) -> u128 {
    zip(a, b, w, s, |x, y| -i128::from(f(x, y)))
}

/// Saturates `x` to the signed (`s`) or unsigned range of a `w`-bit lane.
#[inline(always)]
fn sat(x: i128, w: u32, s: bool) -> i128 {
    let (lo, hi) = if s { (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1) } else { (0, (1i128 << w) - 1) };
    x.clamp(lo, hi)
}

/// Widens the low (or `high`) half of `w`-bit lanes to `2w`-bit lanes.
#[inline(always)]
fn extend(a: u128, w: u32, high: bool, s: bool) -> u128 {
    let n = 64 / w;
    let off = if high { n } else { 0 };
    (0..n).fold(0, |r, i| r | put(2 * w, i, get(a, w, i + off, s)))
}

/// Widening multiply of the low (or `high`) half of `w`-bit lanes.
#[inline(always)]
fn extmul(a: u128, b: u128, w: u32, high: bool, s: bool) -> u128 {
    let n = 64 / w;
    let off = if high { n } else { 0 };
    (0..n).fold(0, |r, i| r | put(2 * w, i, get(a, w, i + off, s) * get(b, w, i + off, s)))
}

/// Adds adjacent pairs of `w`-bit lanes into `2w`-bit lanes.
#[inline(always)]
fn extadd(a: u128, w: u32, s: bool) -> u128 {
    (0..64 / w).fold(0, |r, i| r | put(2 * w, i, get(a, w, 2 * i, s) + get(a, w, 2 * i + 1, s)))
}

/// Narrows signed `2w`-bit lanes of `a` then `b` to saturated `w`-bit lanes
/// (signed or unsigned saturation per `s`).
#[inline(always)]
fn narrow(a: u128, b: u128, w: u32, s: bool) -> u128 {
    let n = 64 / w;
    (0..n).fold(0, |r, i| {
        r | put(w, i, sat(get(a, 2 * w, i, true), w, s)) | put(w, i + n, sat(get(b, 2 * w, i, true), w, s))
    })
}

/// Converts the two low lanes of width `wi` into two lanes of width `wo`; the
/// upper lanes of the result are zero.
#[inline(always)]
fn low2(a: u128, wi: u32, s: bool, wo: u32, f: impl Fn(i128) -> i128) -> u128 {
    (0..2).fold(0, |r, i| r | put(wo, i, f(get(a, wi, i, s))))
}

#[inline(always)]
fn splat(x: u64, w: u32) -> u128 {
    (u128::from(x) & ones(w)) * (u128::MAX / ones(w))
}

#[inline(always)]
fn all_true(a: u128, w: u32) -> u64 {
    u64::from((0..128 / w).all(|i| get(a, w, i, false) != 0))
}

#[inline(always)]
fn bitmask(a: u128, w: u32) -> u64 {
    (0..128 / w).fold(0, |r, i| r | (((a >> (w * i + w - 1)) & 1) as u64) << i)
}

#[inline]
fn swizzle(a: u128, b: u128) -> u128 {
    let src = a.to_le_bytes();
    let idx = b.to_le_bytes();
    let mut out = [0u8; 16];
    for (o, &i) in out.iter_mut().zip(&idx) {
        *o = src.get(usize::from(i)).copied().unwrap_or(0);
    }
    u128::from_le_bytes(out)
}

// ---------------------------------------------------------------------------
// Float helpers.

/// The bits of an `f32`/`f64` lane and the spec's NaN-sensitive operators.
trait Float: Copy + PartialOrd {
    const W: u32;
    fn from_lane(x: i128) -> Self;
    fn lane(self) -> i128;
    /// Sets the quiet bit of a NaN; other values are returned unchanged.
    fn q(self) -> Self;
    /// The spec's `fmin`: NaN-propagating, `min(-0, +0) = -0`.
    fn fmin(self, o: Self) -> Self;
    /// The spec's `fmax`: NaN-propagating, `max(-0, +0) = +0`.
    fn fmax(self, o: Self) -> Self;
}

macro_rules! impl_float {
    ($t:ty, $u:ty, $quiet:expr) => {
        impl Float for $t {
            const W: u32 = <$u>::BITS;
            #[inline(always)]
            fn from_lane(x: i128) -> Self {
                <$t>::from_bits(x as $u)
            }
            #[inline(always)]
            fn lane(self) -> i128 {
                i128::from(self.to_bits())
            }
            #[inline(always)]
            fn q(self) -> Self {
                if self.is_nan() {
                    <$t>::from_bits(self.to_bits() | $quiet)
                } else {
                    self
                }
            }
            #[inline(always)]
            fn fmin(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    if self.is_nan() {
                        self.q()
                    } else {
                        o.q()
                    }
                } else if self < o {
                    self
                } else if o < self {
                    o
                } else {
                    // Equal: identical bits, or zeros of either sign.
                    <$t>::from_bits(self.to_bits() | o.to_bits())
                }
            }
            #[inline(always)]
            fn fmax(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    if self.is_nan() {
                        self.q()
                    } else {
                        o.q()
                    }
                } else if self > o {
                    self
                } else if o > self {
                    o
                } else {
                    <$t>::from_bits(self.to_bits() & o.to_bits())
                }
            }
        }
    };
}

impl_float!(f32, u32, 0x0040_0000);
impl_float!(f64, u64, 0x0008_0000_0000_0000);

#[inline(always)]
fn fmap<F: Float>(a: u128, f: impl Fn(F) -> F) -> u128 {
    map(a, F::W, false, |x| f(F::from_lane(x)).lane())
}

#[inline(always)]
fn fzip<F: Float>(a: u128, b: u128, f: impl Fn(F, F) -> F) -> u128 {
    zip(a, b, F::W, false, |x, y| f(F::from_lane(x), F::from_lane(y)).lane())
}

#[inline(always)]
fn fcmp<F: Float>(a: u128, b: u128, f: impl Fn(F, F) -> bool) -> u128 {
    cmp(a, b, F::W, false, |x, y| f(F::from_lane(x), F::from_lane(y)))
}

/// Pseudo-minimum: `if b < a { b } else { a }`, operands returned bit-exact.
#[inline(always)]
fn pmin<F: Float>(a: F, b: F) -> F {
    if b < a {
        b
    } else {
        a
    }
}

/// Pseudo-maximum: `if a < b { b } else { a }`, operands returned bit-exact.
#[inline(always)]
fn pmax<F: Float>(a: F, b: F) -> F {
    if a < b {
        b
    } else {
        a
    }
}

const F32_SIGNS: u128 = 0x8000_0000_8000_0000_8000_0000_8000_0000;
const F64_SIGNS: u128 = 0x8000_0000_0000_0000_8000_0000_0000_0000;

/// `f64` -> `f32`, rounding to nearest; a NaN keeps its sign and the top of
/// its payload and gets the quiet bit (so canonical stays canonical).
#[inline(always)]
fn demote(x: f64) -> f32 {
    if x.is_nan() {
        let b = x.to_bits();
        let sign = ((b >> 63) as u32) << 31;
        let payload = ((b >> 29) as u32) & 0x003f_ffff;
        f32::from_bits(sign | 0x7fc0_0000 | payload)
    } else {
        x as f32
    }
}

/// `f32` -> `f64`, exact; a NaN keeps its sign and payload and gets the
/// quiet bit.
#[inline(always)]
fn promote(x: f32) -> f64 {
    if x.is_nan() {
        let b = x.to_bits();
        let sign = u64::from(b >> 31) << 63;
        let payload = u64::from(b & 0x003f_ffff) << 29;
        f64::from_bits(sign | 0x7ff8_0000_0000_0000 | payload)
    } else {
        f64::from(x)
    }
}

// ---------------------------------------------------------------------------
// Public operations.

/// Evaluates a [`Shape::Unary`] operator.
///
/// # Panics
///
/// If `op` is not of shape [`Shape::Unary`].
#[inline]
pub fn unary(op: SimdOp, a: u128) -> u128 {
    use SimdOp::*;
    match op {
        V128Not => !a,
        I8x16Abs => map(a, 8, true, i128::abs),
        I16x8Abs => map(a, 16, true, i128::abs),
        I32x4Abs => map(a, 32, true, i128::abs),
        I64x2Abs => map(a, 64, true, i128::abs),
        I8x16Neg => map(a, 8, true, |x| -x),
        I16x8Neg => map(a, 16, true, |x| -x),
        I32x4Neg => map(a, 32, true, |x| -x),
        I64x2Neg => map(a, 64, true, |x| -x),
        I8x16Popcnt => map(a, 8, false, |x| i128::from(x.count_ones())),
        I16x8ExtAddPairwiseI8x16S => extadd(a, 8, true),
        I16x8ExtAddPairwiseI8x16U => extadd(a, 8, false),
        I32x4ExtAddPairwiseI16x8S => extadd(a, 16, true),
        I32x4ExtAddPairwiseI16x8U => extadd(a, 16, false),
        I16x8ExtendLowI8x16S => extend(a, 8, false, true),
        I16x8ExtendHighI8x16S => extend(a, 8, true, true),
        I16x8ExtendLowI8x16U => extend(a, 8, false, false),
        I16x8ExtendHighI8x16U => extend(a, 8, true, false),
        I32x4ExtendLowI16x8S => extend(a, 16, false, true),
        I32x4ExtendHighI16x8S => extend(a, 16, true, true),
        I32x4ExtendLowI16x8U => extend(a, 16, false, false),
        I32x4ExtendHighI16x8U => extend(a, 16, true, false),
        I64x2ExtendLowI32x4S => extend(a, 32, false, true),
        I64x2ExtendHighI32x4S => extend(a, 32, true, true),
        I64x2ExtendLowI32x4U => extend(a, 32, false, false),
        I64x2ExtendHighI32x4U => extend(a, 32, true, false),
        F32x4Abs => a & !F32_SIGNS,
        F32x4Neg => a ^ F32_SIGNS,
        F64x2Abs => a & !F64_SIGNS,
        F64x2Neg => a ^ F64_SIGNS,
        F32x4Ceil => fmap(a, |x: f32| x.ceil().q()),
        F32x4Floor => fmap(a, |x: f32| x.floor().q()),
        F32x4Trunc => fmap(a, |x: f32| x.trunc().q()),
        F32x4Nearest => fmap(a, |x: f32| x.round_ties_even().q()),
        F32x4Sqrt => fmap(a, |x: f32| x.sqrt().q()),
        F64x2Ceil => fmap(a, |x: f64| x.ceil().q()),
        F64x2Floor => fmap(a, |x: f64| x.floor().q()),
        F64x2Trunc => fmap(a, |x: f64| x.trunc().q()),
        F64x2Nearest => fmap(a, |x: f64| x.round_ties_even().q()),
        F64x2Sqrt => fmap(a, |x: f64| x.sqrt().q()),
        // Rust's float-to-int `as` saturates and maps NaN to 0: exactly trunc_sat.
        I32x4TruncSatF32x4S => map(a, 32, false, |x| i128::from(f32::from_lane(x) as i32)),
        I32x4TruncSatF32x4U => map(a, 32, false, |x| i128::from(f32::from_lane(x) as u32)),
        I32x4TruncSatF64x2SZero => low2(a, 64, false, 32, |x| i128::from(f64::from_lane(x) as i32)),
        I32x4TruncSatF64x2UZero => low2(a, 64, false, 32, |x| i128::from(f64::from_lane(x) as u32)),
        // Int-to-float `as` rounds to nearest, ties to even.
        F32x4ConvertI32x4S => map(a, 32, true, |x| (x as i32 as f32).lane()),
        F32x4ConvertI32x4U => map(a, 32, false, |x| (x as u32 as f32).lane()),
        F64x2ConvertLowI32x4S => low2(a, 32, true, 64, |x| f64::from(x as i32).lane()),
        F64x2ConvertLowI32x4U => low2(a, 32, false, 64, |x| f64::from(x as u32).lane()),
        F32x4DemoteF64x2Zero => low2(a, 64, false, 32, |x| demote(f64::from_lane(x)).lane()),
        F64x2PromoteLowF32x4 => low2(a, 32, false, 64, |x| promote(f32::from_lane(x)).lane()),
        _ => unreachable!("{op:?} is not a unary v128 operator"),
    }
}

/// Evaluates a [`Shape::Binary`] operator.
///
/// # Panics
///
/// If `op` is not of shape [`Shape::Binary`].
#[inline]
pub fn binary(op: SimdOp, a: u128, b: u128) -> u128 {
    use SimdOp::*;
    match op {
        V128And => a & b,
        V128AndNot => a & !b,
        V128Or => a | b,
        V128Xor => a ^ b,
        I8x16Swizzle => swizzle(a, b),

        I8x16Eq => cmp(a, b, 8, false, |x, y| x == y),
        I8x16Ne => cmp(a, b, 8, false, |x, y| x != y),
        I8x16LtS => cmp(a, b, 8, true, |x, y| x < y),
        I8x16LtU => cmp(a, b, 8, false, |x, y| x < y),
        I8x16GtS => cmp(a, b, 8, true, |x, y| x > y),
        I8x16GtU => cmp(a, b, 8, false, |x, y| x > y),
        I8x16LeS => cmp(a, b, 8, true, |x, y| x <= y),
        I8x16LeU => cmp(a, b, 8, false, |x, y| x <= y),
        I8x16GeS => cmp(a, b, 8, true, |x, y| x >= y),
        I8x16GeU => cmp(a, b, 8, false, |x, y| x >= y),
        I16x8Eq => cmp(a, b, 16, false, |x, y| x == y),
        I16x8Ne => cmp(a, b, 16, false, |x, y| x != y),
        I16x8LtS => cmp(a, b, 16, true, |x, y| x < y),
        I16x8LtU => cmp(a, b, 16, false, |x, y| x < y),
        I16x8GtS => cmp(a, b, 16, true, |x, y| x > y),
        I16x8GtU => cmp(a, b, 16, false, |x, y| x > y),
        I16x8LeS => cmp(a, b, 16, true, |x, y| x <= y),
        I16x8LeU => cmp(a, b, 16, false, |x, y| x <= y),
        I16x8GeS => cmp(a, b, 16, true, |x, y| x >= y),
        I16x8GeU => cmp(a, b, 16, false, |x, y| x >= y),
        I32x4Eq => cmp(a, b, 32, false, |x, y| x == y),
        I32x4Ne => cmp(a, b, 32, false, |x, y| x != y),
        I32x4LtS => cmp(a, b, 32, true, |x, y| x < y),
        I32x4LtU => cmp(a, b, 32, false, |x, y| x < y),
        I32x4GtS => cmp(a, b, 32, true, |x, y| x > y),
        I32x4GtU => cmp(a, b, 32, false, |x, y| x > y),
        I32x4LeS => cmp(a, b, 32, true, |x, y| x <= y),
        I32x4LeU => cmp(a, b, 32, false, |x, y| x <= y),
        I32x4GeS => cmp(a, b, 32, true, |x, y| x >= y),
        I32x4GeU => cmp(a, b, 32, false, |x, y| x >= y),
        I64x2Eq => cmp(a, b, 64, false, |x, y| x == y),
        I64x2Ne => cmp(a, b, 64, false, |x, y| x != y),
        I64x2LtS => cmp(a, b, 64, true, |x, y| x < y),
        I64x2GtS => cmp(a, b, 64, true, |x, y| x > y),
        I64x2LeS => cmp(a, b, 64, true, |x, y| x <= y),
        I64x2GeS => cmp(a, b, 64, true, |x, y| x >= y),
        F32x4Eq => fcmp(a, b, |x: f32, y| x == y),
        F32x4Ne => fcmp(a, b, |x: f32, y| x != y),
        F32x4Lt => fcmp(a, b, |x: f32, y| x < y),
        F32x4Gt => fcmp(a, b, |x: f32, y| x > y),
        F32x4Le => fcmp(a, b, |x: f32, y| x <= y),
        F32x4Ge => fcmp(a, b, |x: f32, y| x >= y),
        F64x2Eq => fcmp(a, b, |x: f64, y| x == y),
        F64x2Ne => fcmp(a, b, |x: f64, y| x != y),
        F64x2Lt => fcmp(a, b, |x: f64, y| x < y),
        F64x2Gt => fcmp(a, b, |x: f64, y| x > y),
        F64x2Le => fcmp(a, b, |x: f64, y| x <= y),
        F64x2Ge => fcmp(a, b, |x: f64, y| x >= y),

        I8x16NarrowI16x8S => narrow(a, b, 8, true),
        I8x16NarrowI16x8U => narrow(a, b, 8, false),
        I16x8NarrowI32x4S => narrow(a, b, 16, true),
        I16x8NarrowI32x4U => narrow(a, b, 16, false),

        I8x16Add => zip(a, b, 8, false, |x, y| x + y),
        I16x8Add => zip(a, b, 16, false, |x, y| x + y),
        I32x4Add => zip(a, b, 32, false, |x, y| x + y),
        I64x2Add => zip(a, b, 64, false, |x, y| x + y),
        I8x16Sub => zip(a, b, 8, false, |x, y| x - y),
        I16x8Sub => zip(a, b, 16, false, |x, y| x - y),
        I32x4Sub => zip(a, b, 32, false, |x, y| x - y),
        I64x2Sub => zip(a, b, 64, false, |x, y| x - y),
        I16x8Mul => zip(a, b, 16, false, |x, y| x * y),
        I32x4Mul => zip(a, b, 32, false, |x, y| x * y),
        // Unsigned 64-bit lanes: the product can exceed i128, its low bits cannot.
        I64x2Mul => zip(a, b, 64, false, i128::wrapping_mul),
        I8x16AddSatS => zip(a, b, 8, true, |x, y| sat(x + y, 8, true)),
        I8x16AddSatU => zip(a, b, 8, false, |x, y| sat(x + y, 8, false)),
        I16x8AddSatS => zip(a, b, 16, true, |x, y| sat(x + y, 16, true)),
        I16x8AddSatU => zip(a, b, 16, false, |x, y| sat(x + y, 16, false)),
        I8x16SubSatS => zip(a, b, 8, true, |x, y| sat(x - y, 8, true)),
        I8x16SubSatU => zip(a, b, 8, false, |x, y| sat(x - y, 8, false)),
        I16x8SubSatS => zip(a, b, 16, true, |x, y| sat(x - y, 16, true)),
        I16x8SubSatU => zip(a, b, 16, false, |x, y| sat(x - y, 16, false)),
        I8x16MinS => zip(a, b, 8, true, i128::min),
        I8x16MinU => zip(a, b, 8, false, i128::min),
        I8x16MaxS => zip(a, b, 8, true, i128::max),
        I8x16MaxU => zip(a, b, 8, false, i128::max),
        I16x8MinS => zip(a, b, 16, true, i128::min),
        I16x8MinU => zip(a, b, 16, false, i128::min),
        I16x8MaxS => zip(a, b, 16, true, i128::max),
        I16x8MaxU => zip(a, b, 16, false, i128::max),
        I32x4MinS => zip(a, b, 32, true, i128::min),
        I32x4MinU => zip(a, b, 32, false, i128::min),
        I32x4MaxS => zip(a, b, 32, true, i128::max),
        I32x4MaxU => zip(a, b, 32, false, i128::max),
        I8x16AvgrU => zip(a, b, 8, false, |x, y| (x + y + 1) >> 1),
        I16x8AvgrU => zip(a, b, 16, false, |x, y| (x + y + 1) >> 1),
        I16x8Q15MulrSatS => zip(a, b, 16, true, |x, y| sat((x * y + 0x4000) >> 15, 16, true)),
        I32x4DotI16x8S => (0..4).fold(0, |r, i| {
            let lo = get(a, 16, 2 * i, true) * get(b, 16, 2 * i, true);
            let hi = get(a, 16, 2 * i + 1, true) * get(b, 16, 2 * i + 1, true);
            r | put(32, i, lo + hi)
        }),
        I16x8ExtMulLowI8x16S => extmul(a, b, 8, false, true),
        I16x8ExtMulHighI8x16S => extmul(a, b, 8, true, true),
        I16x8ExtMulLowI8x16U => extmul(a, b, 8, false, false),
        I16x8ExtMulHighI8x16U => extmul(a, b, 8, true, false),
        I32x4ExtMulLowI16x8S => extmul(a, b, 16, false, true),
        I32x4ExtMulHighI16x8S => extmul(a, b, 16, true, true),
        I32x4ExtMulLowI16x8U => extmul(a, b, 16, false, false),
        I32x4ExtMulHighI16x8U => extmul(a, b, 16, true, false),
        I64x2ExtMulLowI32x4S => extmul(a, b, 32, false, true),
        I64x2ExtMulHighI32x4S => extmul(a, b, 32, true, true),
        I64x2ExtMulLowI32x4U => extmul(a, b, 32, false, false),
        I64x2ExtMulHighI32x4U => extmul(a, b, 32, true, false),

        F32x4Add => fzip(a, b, |x: f32, y| (x + y).q()),
        F32x4Sub => fzip(a, b, |x: f32, y| (x - y).q()),
        F32x4Mul => fzip(a, b, |x: f32, y| (x * y).q()),
        F32x4Div => fzip(a, b, |x: f32, y| (x / y).q()),
        F32x4Min => fzip(a, b, f32::fmin),
        F32x4Max => fzip(a, b, f32::fmax),
        F32x4PMin => fzip(a, b, pmin::<f32>),
        F32x4PMax => fzip(a, b, pmax::<f32>),
        F64x2Add => fzip(a, b, |x: f64, y| (x + y).q()),
        F64x2Sub => fzip(a, b, |x: f64, y| (x - y).q()),
        F64x2Mul => fzip(a, b, |x: f64, y| (x * y).q()),
        F64x2Div => fzip(a, b, |x: f64, y| (x / y).q()),
        F64x2Min => fzip(a, b, f64::fmin),
        F64x2Max => fzip(a, b, f64::fmax),
        F64x2PMin => fzip(a, b, pmin::<f64>),
        F64x2PMax => fzip(a, b, pmax::<f64>),
        _ => unreachable!("{op:?} is not a binary v128 operator"),
    }
}

/// Evaluates a [`Shape::Ternary`] operator (`v128.bitselect`: bits of `a`
/// where `c` is set, bits of `b` elsewhere).
///
/// # Panics
///
/// If `op` is not of shape [`Shape::Ternary`].
#[inline]
pub fn ternary(op: SimdOp, a: u128, b: u128, c: u128) -> u128 {
    match op {
        SimdOp::V128Bitselect => (a & c) | (b & !c),
        _ => unreachable!("{op:?} is not a ternary v128 operator"),
    }
}

/// Evaluates a [`Shape::ToScalar`] operator. The result bits are
/// zero-extended to `u64`: i32 results as `u32` bits, f32 as
/// `f32::to_bits`, f64 as `f64::to_bits`. `lane` is only used by
/// `extract_lane` (it is taken modulo the lane count).
///
/// # Panics
///
/// If `op` is not of shape [`Shape::ToScalar`].
#[inline]
pub fn to_scalar(op: SimdOp, lane: u8, a: u128) -> u64 {
    use SimdOp::*;
    let l = u32::from(lane);
    match op {
        V128AnyTrue => u64::from(a != 0),
        I8x16AllTrue => all_true(a, 8),
        I16x8AllTrue => all_true(a, 16),
        I32x4AllTrue => all_true(a, 32),
        I64x2AllTrue => all_true(a, 64),
        I8x16Bitmask => bitmask(a, 8),
        I16x8Bitmask => bitmask(a, 16),
        I32x4Bitmask => bitmask(a, 32),
        I64x2Bitmask => bitmask(a, 64),
        I8x16ExtractLaneS => u64::from(get(a, 8, l % 16, true) as u32),
        I8x16ExtractLaneU => get(a, 8, l % 16, false) as u64,
        I16x8ExtractLaneS => u64::from(get(a, 16, l % 8, true) as u32),
        I16x8ExtractLaneU => get(a, 16, l % 8, false) as u64,
        I32x4ExtractLane | F32x4ExtractLane => get(a, 32, l % 4, false) as u64,
        I64x2ExtractLane | F64x2ExtractLane => get(a, 64, l % 2, false) as u64,
        _ => unreachable!("{op:?} is not a v128-to-scalar operator"),
    }
}

/// Evaluates a [`Shape::FromScalar`] operator (splat). `x` holds the scalar's
/// bits (an i32 or f32 in the low 32 bits; higher bits are ignored).
///
/// # Panics
///
/// If `op` is not of shape [`Shape::FromScalar`].
#[inline]
pub fn from_scalar(op: SimdOp, x: u64) -> u128 {
    use SimdOp::*;
    match op {
        I8x16Splat => splat(x, 8),
        I16x8Splat => splat(x, 16),
        I32x4Splat | F32x4Splat => splat(x, 32),
        I64x2Splat | F64x2Splat => splat(x, 64),
        _ => unreachable!("{op:?} is not a splat operator"),
    }
}

/// Evaluates a [`Shape::Shift`] operator; `amount` is taken modulo the lane
/// width.
///
/// # Panics
///
/// If `op` is not of shape [`Shape::Shift`].
#[inline]
pub fn shift(op: SimdOp, a: u128, amount: u32) -> u128 {
    use SimdOp::*;
    let (w, kind) = match op {
        I8x16Shl => (8, 0),
        I8x16ShrS => (8, 1),
        I8x16ShrU => (8, 2),
        I16x8Shl => (16, 0),
        I16x8ShrS => (16, 1),
        I16x8ShrU => (16, 2),
        I32x4Shl => (32, 0),
        I32x4ShrS => (32, 1),
        I32x4ShrU => (32, 2),
        I64x2Shl => (64, 0),
        I64x2ShrS => (64, 1),
        I64x2ShrU => (64, 2),
        _ => unreachable!("{op:?} is not a v128 shift operator"),
    };
    let n = amount % w;
    match kind {
        0 => map(a, w, false, |x| x << n),
        1 => map(a, w, true, |x| x >> n),
        _ => map(a, w, false, |x| x >> n),
    }
}

/// Evaluates a [`Shape::Replace`] operator (replace_lane): lane `lane` (taken
/// modulo the lane count) of `a` becomes the low bits of `x`.
///
/// # Panics
///
/// If `op` is not of shape [`Shape::Replace`].
#[inline]
pub fn replace(op: SimdOp, lane: u8, a: u128, x: u64) -> u128 {
    use SimdOp::*;
    let w = match op {
        I8x16ReplaceLane => 8,
        I16x8ReplaceLane => 16,
        I32x4ReplaceLane | F32x4ReplaceLane => 32,
        I64x2ReplaceLane | F64x2ReplaceLane => 64,
        _ => unreachable!("{op:?} is not a replace_lane operator"),
    };
    let i = u32::from(lane) % (128 / w);
    (a & !(ones(w) << (w * i))) | put(w, i, i128::from(x))
}

/// `i8x16.shuffle`: byte `i` of the result is byte `lanes[i]` of the 32-byte
/// concatenation `a ++ b` (`lanes[i]` is taken modulo 32; validation
/// guarantees it is below 32).
#[inline]
pub fn shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    let mut cat = [0u8; 32];
    cat[..16].copy_from_slice(&a.to_le_bytes());
    cat[16..].copy_from_slice(&b.to_le_bytes());
    u128::from_le_bytes(lanes.map(|l| cat[usize::from(l & 31)]))
}

/// The memory-side SIMD loads that widen, splat or zero-fill.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoadKind {
    Load8x8S,
    Load8x8U,
    Load16x4S,
    Load16x4U,
    Load32x2S,
    Load32x2U,
    Load8Splat,
    Load16Splat,
    Load32Splat,
    Load64Splat,
    Load32Zero,
    Load64Zero,
}

/// Builds the v128 result of a widening/splatting/zero-filling load from the
/// raw little-endian bytes read from memory, zero-extended into `bits`: 8 bytes
/// for `v128.load8x8_s/u`, `load16x4_s/u`, `load32x2_s/u`; 1/2/4/8 bytes for
/// `load8_splat`/`16_splat`/`32_splat`/`64_splat`; 4/8 bytes for
/// `load32_zero`/`load64_zero`. Bits above the access width are ignored.
#[inline]
pub fn load_extend(kind: LoadKind, bits: u64) -> u128 {
    let v = u128::from(bits);
    match kind {
        LoadKind::Load8x8S => extend(v, 8, false, true),
        LoadKind::Load8x8U => extend(v, 8, false, false),
        LoadKind::Load16x4S => extend(v, 16, false, true),
        LoadKind::Load16x4U => extend(v, 16, false, false),
        LoadKind::Load32x2S => extend(v, 32, false, true),
        LoadKind::Load32x2U => extend(v, 32, false, false),
        LoadKind::Load8Splat => splat(bits, 8),
        LoadKind::Load16Splat => splat(bits, 16),
        LoadKind::Load32Splat => splat(bits, 32),
        LoadKind::Load64Splat => splat(bits, 64),
        LoadKind::Load32Zero => v & ones(32),
        LoadKind::Load64Zero => v,
    }
}
