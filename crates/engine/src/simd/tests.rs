//! Unit tests for the SIMD semantics.

use super::SimdOp::*;
use super::*;
use wasmparser::{Operator, ValType};

fn i8s(v: [i8; 16]) -> u128 {
    u128::from_le_bytes(v.map(|x| x as u8))
}
fn u8s(v: u128) -> [u8; 16] {
    v.to_le_bytes()
}
fn i8v(v: u128) -> [i8; 16] {
    v.to_le_bytes().map(|x| x as i8)
}
fn i16s(v: [i16; 8]) -> u128 {
    (0..8).fold(0, |r, i| r | put(16, i, i128::from(v[i as usize])))
}
fn i16v(v: u128) -> [i16; 8] {
    std::array::from_fn(|i| get(v, 16, i as u32, true) as i16)
}
fn i32s(v: [i32; 4]) -> u128 {
    (0..4).fold(0, |r, i| r | put(32, i, i128::from(v[i as usize])))
}
fn i32v(v: u128) -> [i32; 4] {
    std::array::from_fn(|i| get(v, 32, i as u32, true) as i32)
}
fn u32v(v: u128) -> [u32; 4] {
    std::array::from_fn(|i| get(v, 32, i as u32, false) as u32)
}
fn i64s(v: [i64; 2]) -> u128 {
    put(64, 0, i128::from(v[0])) | put(64, 1, i128::from(v[1]))
}
fn i64v(v: u128) -> [i64; 2] {
    [get(v, 64, 0, true) as i64, get(v, 64, 1, true) as i64]
}
fn f32s(v: [f32; 4]) -> u128 {
    i32s(v.map(|x| x.to_bits() as i32))
}
fn f32bits(v: u128) -> [u32; 4] {
    u32v(v)
}
fn f64s(v: [f64; 2]) -> u128 {
    i64s(v.map(|x| x.to_bits() as i64))
}
fn f64bits(v: u128) -> [u64; 2] {
    i64v(v).map(|x| x as u64)
}

const NAN32: u32 = 0x7fc0_0000;
const SNAN32: u32 = 0x7fa0_0000; // signalling (quiet bit clear)
const NAN64: u64 = 0x7ff8_0000_0000_0000;

#[test]
fn float_min_max() {
    let n = f32::from_bits(NAN32);
    let s = f32::from_bits(SNAN32);
    let a = f32s([-0.0, 0.0, n, 1.0]);
    let b = f32s([0.0, -0.0, 1.0, s]);
    let min = f32bits(binary(F32x4Min, a, b));
    let max = f32bits(binary(F32x4Max, a, b));
    assert_eq!(min[..2], [0x8000_0000, 0x8000_0000]);
    assert_eq!(max[..2], [0, 0]);
    assert_eq!(min[2], NAN32, "canonical NaN stays canonical");
    assert_eq!(min[3] & 0x7fc0_0000, 0x7fc0_0000, "signalling NaN is quieted");
    assert_eq!(max[3] & 0x7fc0_0000, 0x7fc0_0000);
    assert_eq!(
        f32bits(binary(F32x4Min, f32s([1.0, -2.0, 3.0, 5.0]), f32s([2.0; 4]))),
        [1.0f32, -2.0, 2.0, 2.0].map(f32::to_bits)
    );

    let pa = f32s([-0.0, 0.0, n, 1.0]);
    let pb = f32s([0.0, -0.0, 1.0, n]);
    let pmin = f32bits(binary(F32x4PMin, pa, pb));
    let pmax = f32bits(binary(F32x4PMax, pa, pb));
    // Equal / unordered: always the first operand, bit-exact.
    assert_eq!(pmin, [0x8000_0000, 0, NAN32, 1.0f32.to_bits()]);
    assert_eq!(pmax, [0x8000_0000, 0, NAN32, 1.0f32.to_bits()]);
    assert_eq!(f32bits(binary(F32x4PMin, f32s([3.0; 4]), f32s([2.0; 4])))[0], 2.0f32.to_bits());
    assert_eq!(f32bits(binary(F32x4PMax, f32s([3.0; 4]), f32s([4.0; 4])))[0], 4.0f32.to_bits());

    let d = f64bits(binary(F64x2Min, f64s([0.0, f64::from_bits(NAN64)]), f64s([-0.0, 1.0])));
    assert_eq!(d, [0x8000_0000_0000_0000, NAN64]);
    let d = f64bits(binary(F64x2Max, f64s([0.0, 2.0]), f64s([-0.0, 1.0])));
    assert_eq!(d, [0, 2.0f64.to_bits()]);
    let d = f64bits(binary(F64x2PMin, f64s([-0.0, 1.0]), f64s([0.0, f64::from_bits(NAN64)])));
    assert_eq!(d, [0x8000_0000_0000_0000, 1.0f64.to_bits()]);
}

#[test]
fn float_arith_and_sign_ops() {
    let s = f32::from_bits(SNAN32 | 0x8000_0000);
    let v = f32s([s, -1.5, 2.5, -0.0]);
    assert_eq!(f32bits(unary(F32x4Neg, v)), [SNAN32, 1.5f32.to_bits(), (-2.5f32).to_bits(), 0]);
    assert_eq!(f32bits(unary(F32x4Abs, v)), [SNAN32, 1.5f32.to_bits(), 2.5f32.to_bits(), 0]);
    let r = f32bits(unary(F32x4Nearest, v));
    assert_eq!(r[0] & 0x7fc0_0000, 0x7fc0_0000);
    assert_eq!(r[1..], [(-2.0f32).to_bits(), 2.0f32.to_bits(), 0x8000_0000]);
    assert_eq!(f32bits(unary(F32x4Ceil, v))[1..], [(-1.0f32).to_bits(), 3.0f32.to_bits(), 0x8000_0000]);
    assert_eq!(f32bits(unary(F32x4Floor, v))[1..3], [(-2.0f32).to_bits(), 2.0f32.to_bits()]);
    assert_eq!(f64bits(unary(F64x2Trunc, f64s([-1.7, 2.9]))), [(-1.0f64).to_bits(), 2.0f64.to_bits()]);
    assert_eq!(f64bits(unary(F64x2Nearest, f64s([0.5, -3.5]))), [0, (-4.0f64).to_bits()]);
    let r = f32bits(binary(
        F32x4Add,
        f32s([1.0, f32::INFINITY, s, 2.0]),
        f32s([2.0, f32::NEG_INFINITY, 1.0, 0.25]),
    ));
    assert_eq!(r[0], 3.0f32.to_bits());
    assert!(f32::from_bits(r[1]).is_nan() && r[1] & NAN32 == NAN32);
    assert_eq!(r[2] & NAN32, NAN32);
    assert_eq!(r[3], 2.25f32.to_bits());
    assert_eq!(f64bits(unary(F64x2Sqrt, f64s([4.0, 2.25]))), [2.0f64.to_bits(), 1.5f64.to_bits()]);
    assert_eq!(
        f64bits(binary(F64x2Div, f64s([1.0, -1.0]), f64s([4.0, 0.0]))),
        [0.25f64.to_bits(), f64::NEG_INFINITY.to_bits()]
    );
}

#[test]
fn float_compare() {
    let n = f32::from_bits(NAN32);
    let a = f32s([1.0, n, -0.0, 2.0]);
    let b = f32s([1.0, n, 0.0, 1.0]);
    assert_eq!(u32v(binary(F32x4Eq, a, b)), [!0, 0, !0, 0]);
    assert_eq!(u32v(binary(F32x4Ne, a, b)), [0, !0, 0, !0]);
    assert_eq!(u32v(binary(F32x4Gt, a, b)), [0, 0, 0, !0]);
    assert_eq!(u32v(binary(F32x4Le, a, b)), [!0, 0, !0, 0]);
    assert_eq!(i64v(binary(F64x2Lt, f64s([1.0, 3.0]), f64s([2.0, 3.0]))), [-1, 0]);
}

#[test]
fn int_compare() {
    let a = i8s([-1, 1, 0, 127, -128, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = i8s([1, -1, 0, -128, 127, 5, 6, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(i8v(binary(I8x16LtS, a, b))[..8], [-1, 0, 0, 0, -1, 0, -1, 0]);
    assert_eq!(i8v(binary(I8x16LtU, a, b))[..8], [0, -1, 0, -1, 0, 0, -1, 0]);
    assert_eq!(i8v(binary(I8x16GeU, a, b))[..8], [-1, 0, -1, 0, -1, -1, 0, -1]);
    assert_eq!(i8v(binary(I8x16Eq, a, b))[..8], [0, 0, -1, 0, 0, -1, 0, 0]);
    let a = i64s([-1, i64::MAX]);
    let b = i64s([1, i64::MIN]);
    assert_eq!(i64v(binary(I64x2LtS, a, b)), [-1, 0]);
    assert_eq!(i64v(binary(I64x2GeS, a, b)), [0, -1]);
    assert_eq!(i64v(binary(I64x2Ne, a, a)), [0, 0]);
    assert_eq!(i32v(binary(I32x4GtU, i32s([-1, 1, 0, 3]), i32s([1, -1, 0, 2]))), [-1, 0, 0, -1]);
}

#[test]
fn saturating_and_wrapping_arith() {
    let a = i8s([127, -128, 100, -100, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1]);
    let b = i8s([1, -1, 100, -100, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1]);
    assert_eq!(i8v(binary(I8x16AddSatS, a, b))[..5], [127, -128, 127, -128, 2]);
    assert_eq!(i8v(binary(I8x16Add, a, b))[..5], [-128, 127, -56, 56, 2]);
    assert_eq!(u8s(binary(I8x16AddSatU, a, b))[15], 255);
    assert_eq!(u8s(binary(I8x16AddSatU, a, b))[0], 128);
    assert_eq!(u8s(binary(I8x16SubSatU, b, a))[..4], [0, 127, 0, 0]);
    assert_eq!(i8v(binary(I8x16SubSatS, i8s([-128; 16]), i8s([1; 16])))[0], -128);
    assert_eq!(
        i16v(binary(I16x8SubSatS, i16s([-32768, 32767, 0, 0, 0, 0, 0, 0]), i16s([1, -1, 0, 0, 0, 0, 0, 0]))),
        [-32768, 32767, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(i16v(binary(I16x8AddSatU, i16s([-1; 8]), i16s([2; 8])))[0], -1);
    assert_eq!(u8s(binary(I8x16AvgrU, u128::MAX, u128::MAX))[0], 255);
    assert_eq!(u8s(binary(I8x16AvgrU, 0, 1))[0], 1);
    assert_eq!(i16v(binary(I16x8AvgrU, i16s([-1; 8]), i16s([0; 8])))[0], -32768); // (65535+0+1)/2
    assert_eq!(i8v(unary(I8x16Abs, i8s([-128; 16])))[0], -128);
    assert_eq!(i8v(unary(I8x16Neg, i8s([-128; 16])))[0], -128);
    assert_eq!(i64v(unary(I64x2Abs, i64s([i64::MIN, -5]))), [i64::MIN, 5]);
    assert_eq!(i64v(binary(I64x2Mul, i64s([-1, i64::MAX]), i64s([-1, 3]))), [1, i64::MAX.wrapping_mul(3)]);
    assert_eq!(i32v(binary(I32x4Mul, i32s([i32::MAX, -3, 0, 7]), i32s([2, 3, 5, -7]))), [-2, -9, 0, -49]);
    assert_eq!(i8v(binary(I8x16MinU, i8s([-1; 16]), i8s([1; 16])))[0], 1);
    assert_eq!(i8v(binary(I8x16MinS, i8s([-1; 16]), i8s([1; 16])))[0], -1);
    assert_eq!(u8s(unary(I8x16Popcnt, 0xff_07_00))[..3], [0, 3, 8]);
}

#[test]
fn q15mulr_and_dot() {
    let a = i16s([-32768, 0x4000, 1, -1, 32767, -32768, 100, 0]);
    let b = i16s([-32768, 0x4000, 0x4000, 0x4000, 32767, 32767, -100, 0]);
    assert_eq!(i16v(binary(I16x8Q15MulrSatS, a, b)), [32767, 0x2000, 1, 0, 32766, -32767, 0, 0]);
    let d = binary(
        I32x4DotI16x8S,
        i16s([-32768, -32768, 1, 2, 3, 4, -5, 6]),
        i16s([-32768, -32768, 7, 8, 9, 10, 11, 12]),
    );
    assert_eq!(i32v(d), [i32::MIN, 23, 67, 17]);
}

#[test]
fn narrow_extend_extmul() {
    let a = i16s([300, -300, 127, -128, 255, -1, 0, 42]);
    let b = i16s([1, 2, 3, 4, 5, 6, 7, 256]);
    assert_eq!(
        i8v(binary(I8x16NarrowI16x8S, a, b)),
        [127, -128, 127, -128, 127, -1, 0, 42, 1, 2, 3, 4, 5, 6, 7, 127]
    );
    assert_eq!(
        u8s(binary(I8x16NarrowI16x8U, a, b)),
        [255, 0, 127, 0, 255, 0, 0, 42, 1, 2, 3, 4, 5, 6, 7, 255]
    );
    let a = i32s([70000, -70000, 65535, -1]);
    assert_eq!(i16v(binary(I16x8NarrowI32x4S, a, a))[..4], [32767, -32768, 32767, -1]);
    assert_eq!(i16v(binary(I16x8NarrowI32x4U, a, a))[..4], [-1, 0, -1, 0]);

    let v = i8s([-1, 2, -3, 4, 5, 6, 7, 8, -9, 10, 11, 12, 13, 14, 15, -16]);
    assert_eq!(i16v(unary(I16x8ExtendLowI8x16S, v)), [-1, 2, -3, 4, 5, 6, 7, 8]);
    assert_eq!(i16v(unary(I16x8ExtendHighI8x16S, v)), [-9, 10, 11, 12, 13, 14, 15, -16]);
    assert_eq!(i16v(unary(I16x8ExtendLowI8x16U, v))[..3], [255, 2, 253]);
    assert_eq!(i16v(unary(I16x8ExtAddPairwiseI8x16S, v)), [1, 1, 11, 15, 1, 23, 27, -1]);
    assert_eq!(i16v(unary(I16x8ExtAddPairwiseI8x16U, v))[..2], [257, 257]);
    assert_eq!(i64v(unary(I64x2ExtendHighI32x4S, i32s([0, 0, -1, 5]))), [-1, 5]);
    assert_eq!(i64v(unary(I64x2ExtendHighI32x4U, i32s([0, 0, -1, 5]))), [0xffff_ffff, 5]);
    assert_eq!(i32v(unary(I32x4ExtAddPairwiseI16x8U, i16s([-1, -1, 1, 2, 0, 0, 0, 0]))), [0x1fffe, 3, 0, 0]);

    let x = i8s([-128, 2, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 3]);
    assert_eq!(i16v(binary(I16x8ExtMulLowI8x16S, x, x))[..2], [16384, 4]);
    assert_eq!(i16v(binary(I16x8ExtMulLowI8x16U, x, x))[0], 16384);
    assert_eq!(i16v(binary(I16x8ExtMulHighI8x16U, x, x))[0], -511); // 255*255 = 0xfe01
    assert_eq!(i16v(binary(I16x8ExtMulHighI8x16S, x, x))[7], 9);
    let y = i32s([-1, i32::MIN, 2, -3]);
    assert_eq!(i64v(binary(I64x2ExtMulLowI32x4S, y, y)), [1, 1 << 62]);
    assert_eq!(i64v(binary(I64x2ExtMulLowI32x4U, y, y))[0] as u64, 0xffff_fffe_0000_0001);
    assert_eq!(i64v(binary(I64x2ExtMulHighI32x4S, y, y)), [4, 9]);
}

#[test]
fn conversions() {
    let n = f32::from_bits(NAN32);
    let v = f32s([n, 3e9, -3e9, -1.9]);
    assert_eq!(i32v(unary(I32x4TruncSatF32x4S, v)), [0, i32::MAX, i32::MIN, -1]);
    assert_eq!(u32v(unary(I32x4TruncSatF32x4U, v)), [0, 3_000_000_000, 0, 0]);
    assert_eq!(
        u32v(unary(I32x4TruncSatF32x4U, f32s([5e9, 1.9, f32::INFINITY, 0.0]))),
        [u32::MAX, 1, u32::MAX, 0]
    );
    let d = f64s([f64::from_bits(NAN64), -2.5e10]);
    assert_eq!(i32v(unary(I32x4TruncSatF64x2SZero, d)), [0, i32::MIN, 0, 0]);
    assert_eq!(u32v(unary(I32x4TruncSatF64x2UZero, f64s([4.5e9, 7.9]))), [u32::MAX, 7, 0, 0]);

    let i = i32s([-1, i32::MAX, 16_777_217, 0]);
    assert_eq!(
        f32bits(unary(F32x4ConvertI32x4S, i)),
        [-1.0f32, 2_147_483_648.0, 16_777_216.0, 0.0].map(f32::to_bits)
    );
    assert_eq!(f32bits(unary(F32x4ConvertI32x4U, i))[0], 4_294_967_296.0f32.to_bits());
    assert_eq!(f64bits(unary(F64x2ConvertLowI32x4S, i)), [(-1.0f64).to_bits(), 2_147_483_647.0f64.to_bits()]);
    assert_eq!(
        f64bits(unary(F64x2ConvertLowI32x4U, i)),
        [4_294_967_295.0f64.to_bits(), 2_147_483_647.0f64.to_bits()]
    );

    let d = f64s([f64::from_bits(NAN64 | (1 << 63)), 1e300]);
    assert_eq!(f32bits(unary(F32x4DemoteF64x2Zero, d)), [NAN32 | 0x8000_0000, f32::INFINITY.to_bits(), 0, 0]);
    let d = f64s([f64::from_bits(0x7ff0_0000_0000_0001), 0.1]);
    let r = f32bits(unary(F32x4DemoteF64x2Zero, d));
    assert_eq!(r[0] & NAN32, NAN32);
    assert_eq!(r[1], 0.1f32.to_bits());
    let p = f64bits(unary(F64x2PromoteLowF32x4, f32s([n, 1.5, 7.0, 7.0])));
    assert_eq!(p, [NAN64, 1.5f64.to_bits()]);
    let p = f64bits(unary(F64x2PromoteLowF32x4, f32s([f32::from_bits(SNAN32), 0.0, 0.0, 0.0])));
    assert_eq!(p[0] & NAN64, NAN64);
}

#[test]
fn shuffle_and_swizzle() {
    let a = u128::from_le_bytes(std::array::from_fn(|i| i as u8));
    let b = u128::from_le_bytes(std::array::from_fn(|i| 0x10 + i as u8));
    let lanes = [31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 30, 14];
    assert_eq!(u8s(shuffle(a, b, lanes)), lanes);
    let c = u128::from_le_bytes(std::array::from_fn(|i| 0xa0 + i as u8));
    let idx = u128::from_le_bytes([0, 15, 16, 255, 3, 128, 17, 1, 2, 2, 2, 2, 2, 2, 2, 32]);
    assert_eq!(
        u8s(binary(I8x16Swizzle, c, idx)),
        [0xa0, 0xaf, 0, 0, 0xa3, 0, 0, 0xa1, 0xa2, 0xa2, 0xa2, 0xa2, 0xa2, 0xa2, 0xa2, 0]
    );
}

#[test]
fn bitmask_all_any_true() {
    let v = i8s([-1, 0, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -2]);
    assert_eq!(to_scalar(I8x16Bitmask, 0, v), 0b1000_0000_0000_0101);
    assert_eq!(to_scalar(I16x8Bitmask, 0, i16s([-1, 1, -1, 1, 0, 0, 0, -32768])), 0b1000_0101);
    assert_eq!(to_scalar(I32x4Bitmask, 0, i32s([1, -1, 0, i32::MIN])), 0b1010);
    assert_eq!(to_scalar(I64x2Bitmask, 0, i64s([-1, 0])), 1);
    assert_eq!(to_scalar(I8x16AllTrue, 0, v), 0);
    assert_eq!(to_scalar(I8x16AllTrue, 0, i8s([1; 16])), 1);
    assert_eq!(to_scalar(I16x8AllTrue, 0, i8s([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0])), 1);
    assert_eq!(to_scalar(I32x4AllTrue, 0, i16s([1, 0, 0, 1, 1, 0, 0, 0])), 0);
    assert_eq!(to_scalar(I64x2AllTrue, 0, 1 << 127 | 1 << 3), 1);
    assert_eq!(to_scalar(V128AnyTrue, 0, 1 << 100), 1);
    assert_eq!(to_scalar(V128AnyTrue, 0, 0), 0);
}

#[test]
fn lanes_splat_replace() {
    let v = i8s([0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
    assert_eq!(to_scalar(I8x16ExtractLaneS, 1, v), 0xffff_ffff);
    assert_eq!(to_scalar(I8x16ExtractLaneU, 1, v), 0xff);
    assert_eq!(to_scalar(I8x16ExtractLaneS, 15, v), 5);
    let w = i16s([0, 0, 0, -2, 0, 0, 0, 0]);
    assert_eq!(to_scalar(I16x8ExtractLaneS, 3, w), 0xffff_fffe);
    assert_eq!(to_scalar(I16x8ExtractLaneU, 3, w), 0xfffe);
    assert_eq!(to_scalar(I64x2ExtractLane, 1, i64s([0, -3])), (-3i64) as u64);
    assert_eq!(to_scalar(F32x4ExtractLane, 2, f32s([0.0, 0.0, -1.5, 0.0])), u64::from((-1.5f32).to_bits()));
    assert_eq!(to_scalar(F64x2ExtractLane, 0, f64s([2.5, 0.0])), 2.5f64.to_bits());

    assert_eq!(from_scalar(I8x16Splat, 0x1_23), u128::from_le_bytes([0x23; 16]));
    assert_eq!(from_scalar(I16x8Splat, 0xffff_8001), i16s([-32767; 8]));
    assert_eq!(from_scalar(F32x4Splat, u64::from(1.5f32.to_bits())), f32s([1.5; 4]));
    assert_eq!(from_scalar(I64x2Splat, u64::MAX), u128::MAX);
    assert_eq!(from_scalar(F64x2Splat, 2.0f64.to_bits()), f64s([2.0; 2]));

    assert_eq!(replace(I8x16ReplaceLane, 15, 0, 0x1ff), 0xff << 120);
    assert_eq!(replace(I16x8ReplaceLane, 2, u128::MAX, 0x1234_0000), !(0xffff << 32));
    assert_eq!(i32v(replace(I32x4ReplaceLane, 3, i32s([1, 2, 3, 4]), 9)), [1, 2, 3, 9]);
    assert_eq!(i64v(replace(I64x2ReplaceLane, 0, i64s([1, 2]), u64::MAX)), [-1, 2]);
    assert_eq!(replace(F64x2ReplaceLane, 1, f64s([1.0, 2.0]), 3.0f64.to_bits()), f64s([1.0, 3.0]));
}

#[test]
fn shifts_and_bitwise() {
    let v = i8s([-128, 1, 64, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(i8v(shift(I8x16Shl, v, 9))[..4], [0, 2, -128, -2]);
    assert_eq!(i8v(shift(I8x16ShrS, v, 8 + 7))[..4], [-1, 0, 0, -1]);
    assert_eq!(u8s(shift(I8x16ShrU, v, 7))[..4], [1, 0, 0, 1]);
    assert_eq!(i16v(shift(I16x8ShrS, i16s([-32768; 8]), 15))[0], -1);
    assert_eq!(i16v(shift(I16x8Shl, i16s([3; 8]), 16))[0], 3);
    assert_eq!(i32v(shift(I32x4ShrU, i32s([-1; 4]), 33))[0], i32::MAX);
    assert_eq!(i64v(shift(I64x2Shl, i64s([1, -1]), 63 + 64)), [i64::MIN, i64::MIN]);
    assert_eq!(i64v(shift(I64x2ShrS, i64s([i64::MIN, 4]), 65)), [i64::MIN / 2, 2]);
    assert_eq!(i64v(shift(I64x2ShrU, i64s([i64::MIN, 4]), 1)), [1 << 62, 2]);

    let (a, b, c) = (0xf0f0u128, 0x0ff0u128, 0xff00u128);
    assert_eq!(ternary(V128Bitselect, a, b, c), 0xf0f0 & 0xff00 | 0x0ff0 & 0x00ff);
    assert_eq!(binary(V128AndNot, a, b), 0xf000);
    assert_eq!(unary(V128Not, 0), u128::MAX);
}

#[test]
fn loads() {
    let bytes = u64::from_le_bytes([0x80, 1, 0xff, 2, 3, 4, 5, 0x86]);
    assert_eq!(i16v(load_extend(LoadKind::Load8x8S, bytes)), [-128, 1, -1, 2, 3, 4, 5, -122]);
    assert_eq!(i16v(load_extend(LoadKind::Load8x8U, bytes))[..3], [128, 1, 255]);
    assert_eq!(i32v(load_extend(LoadKind::Load16x4S, bytes)), [0x0180, 0x02ff, 0x0403, -31227]);
    assert_eq!(i64v(load_extend(LoadKind::Load32x2S, bytes))[1], 0x8605_0403u32 as i32 as i64);
    assert_eq!(i64v(load_extend(LoadKind::Load32x2U, bytes))[1], 0x8605_0403);
    assert_eq!(load_extend(LoadKind::Load16x4U, 0xffff), 0xffff);
    assert_eq!(load_extend(LoadKind::Load8Splat, 0x7f), u128::from_le_bytes([0x7f; 16]));
    assert_eq!(load_extend(LoadKind::Load16Splat, 0xbeef), i16s([0xbeefu16 as i16; 8]));
    assert_eq!(load_extend(LoadKind::Load32Splat, 0xdead_beef), i32s([0xdead_beefu32 as i32; 4]));
    assert_eq!(load_extend(LoadKind::Load64Splat, bytes), i64s([bytes as i64; 2]));
    assert_eq!(load_extend(LoadKind::Load32Zero, 0xdead_beef), 0xdead_beef);
    assert_eq!(load_extend(LoadKind::Load64Zero, u64::MAX), u128::from(u64::MAX));
}

/// Every operator can be evaluated through the function its shape names.
#[test]
fn every_op_runs_through_its_shape() {
    let (a, b, c) = (0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128, !0u128 / 3, 0xff00_ff00u128);
    for &op in SimdOp::ALL {
        match op.shape() {
            Shape::Unary => {
                let _ = unary(op, a);
            }
            Shape::Binary => {
                let _ = binary(op, a, b);
            }
            Shape::Ternary => {
                let _ = ternary(op, a, b, c);
            }
            Shape::ToScalar(_) => {
                let _ = to_scalar(op, 1, a);
            }
            Shape::FromScalar(_) => {
                let _ = from_scalar(op, 7);
            }
            Shape::Shift => {
                let _ = shift(op, a, 3);
            }
            Shape::Replace(_) => {
                let _ = replace(op, 1, a, 7);
            }
        }
    }
}

/// Builds a module with one function `params -> results` whose body pushes
/// its params and runs `op_bytes`, and checks that wasmparser validates it:
/// so `shape` agrees with the operator's real type.
fn assert_shape_validates(op: SimdOp, op_bytes: &[u8]) {
    fn ty(t: ValType) -> u8 {
        match t {
            ValType::I32 => 0x7f,
            ValType::I64 => 0x7e,
            ValType::F32 => 0x7d,
            ValType::F64 => 0x7c,
            _ => unreachable!(),
        }
    }
    const V: u8 = 0x7b;
    let (params, result) = match op.shape() {
        Shape::Unary => (vec![V], V),
        Shape::Binary => (vec![V, V], V),
        Shape::Ternary => (vec![V, V, V], V),
        Shape::ToScalar(t) => (vec![V], ty(t)),
        Shape::FromScalar(t) => (vec![ty(t)], V),
        Shape::Shift => (vec![V, 0x7f], V),
        Shape::Replace(t) => (vec![V, ty(t)], V),
    };
    let mut functype = vec![1, 0x60, params.len() as u8];
    functype.extend(&params);
    functype.extend([1, result]);
    let mut body = vec![0]; // no locals
    for i in 0..params.len() as u8 {
        body.extend([0x20, i]); // local.get i
    }
    body.extend(op_bytes);
    body.push(0x0b);
    let mut code = vec![1, body.len() as u8];
    code.extend(body);
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    for (id, contents) in [(1u8, functype), (3, vec![1, 0]), (10, code)] {
        module.extend([id, contents.len() as u8]);
        module.extend(contents);
    }
    if let Err(e) = wasmparser::Validator::new().validate_all(&module) {
        panic!("{op:?} with shape {:?} does not validate: {e}", op.shape());
    }
}

/// Every non-memory SIMD opcode wasmparser reads decodes (besides
/// `v128.const` and `i8x16.shuffle`), each to a distinct `SimdOp`, and
/// relaxed-simd opcodes do not.
#[test]
fn decode_covers_every_simd_opcode() {
    let mut seen = Vec::new();
    for sub in 0u32..0x200 {
        let memory = sub <= 0x0d || (0x54..=0x5d).contains(&sub);
        if memory {
            continue;
        }
        let mut bytes = vec![0xfd];
        let mut n = sub;
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                bytes.push(byte);
                break;
            }
            bytes.push(byte | 0x80);
        }
        if (0x15..=0x22).contains(&sub) {
            bytes.push(1);
        }
        let mut reader = wasmparser::OperatorsReader::new(wasmparser::BinaryReader::new(&bytes, 0));
        let Ok(op) = reader.read() else { continue };
        let decoded = decode(&op);
        if sub >= 0x100 {
            assert_eq!(decoded, None, "relaxed {op:?}");
            continue;
        }
        let (simd, lane) = decoded.unwrap_or_else(|| panic!("{op:?} (0x{sub:x}) does not decode"));
        assert_eq!(lane, u8::from((0x15..=0x22).contains(&sub)), "{op:?}");
        assert_eq!(format!("{simd:?}"), format!("{op:?}").split(' ').next().unwrap());
        assert!(!seen.contains(&simd), "{simd:?} twice");
        seen.push(simd);
        assert_shape_validates(simd, &bytes);
    }
    assert_eq!(seen.len(), SimdOp::ALL.len());
    assert_eq!(decode(&Operator::I32Add), None);
    assert_eq!(decode(&Operator::I8x16Shuffle { lanes: [0; 16] }), None);
}
