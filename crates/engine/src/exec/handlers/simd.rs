//! SIMD (`v128`) instructions: lane operations and `v128` loads and stores.

use super::memory::{read_mem, write_mem};
use super::{handlers, or_trap};
use crate::error::TrapCode;
use crate::exec::dispatch::{Cx, Regs};
use crate::ir::{Slot, V128LoadOp};
use crate::simd::{self, LoadKind, Shape, SimdOp};

// The SIMD handlers call their work out of line: it is large, has array locals, and is
// not what the execution benchmarks measure; kept out, every handler's continuation stays a
// plain tail call (see `exec/dispatch.rs`).
handlers! { |ip, fp, cx, acc|
    simd1 = Simd1 { op, lane, d, a } => {
        simd1_at(fp, op, lane, d, a);
    }
    simd2 = Simd2 { op, d, a, b } => {
        simd2_at(fp, op, d, a, b);
    }
    simd3 = Simd3 { op, d, a, b, c } => {
        simd3_at(fp, op, d, a, b, c);
    }
    simd_replace = SimdReplace { op, lane, d, a, b } => {
        simd_replace_at(fp, op, lane, d, a, b);
    }
    shuffle = Shuffle { d, a, b, idx } => {
        shuffle_at(cx, fp, d, a, b, idx);
    }
    v128_load = V128Load { kind, d, addr, mem, off } => {
        or_trap!(cx, ip, v128_load_at(cx, fp, kind, d, addr, mem, off));
    }
    v128_store = V128Store { s, addr, mem, off } => {
        or_trap!(cx, ip, write_mem(cx, mem, fp.r(addr), off, fp.rv(s).to_le_bytes()));
    }
    v128_load_lane = V128LoadLane { width, lane, d, addr, ext } => {
        or_trap!(cx, ip, v128_load_lane_at(cx, fp, (width, lane), d, addr, ext));
    }
    v128_store_lane = V128StoreLane { width, lane, s, addr, ext } => {
        or_trap!(cx, ip, v128_store_lane_at(cx, fp, (width, lane), s, addr, ext));
    }
}

// SAFETY (every function below): the slots passed are slots of frame `fp` named by a
// verified instruction (see `Regs`).

#[inline(never)]
unsafe fn simd1_at(fp: Regs, op: SimdOp, lane: u8, d: Slot, a: Slot) {
    unsafe {
        match op.shape() {
            Shape::ToScalar(_) => fp.w(d, simd::to_scalar(op, lane, fp.rv(a))),
            Shape::FromScalar(_) => fp.wv(d, simd::from_scalar(op, fp.r(a))),
            _ => fp.wv(d, simd::unary(op, fp.rv(a))),
        }
    }
}

#[inline(never)]
unsafe fn simd2_at(fp: Regs, op: SimdOp, d: Slot, a: Slot, b: Slot) {
    unsafe {
        match op.shape() {
            Shape::Shift => fp.wv(d, simd::shift(op, fp.rv(a), fp.r(b) as u32)),
            _ => fp.wv(d, simd::binary(op, fp.rv(a), fp.rv(b))),
        }
    }
}

#[inline(never)]
unsafe fn simd3_at(fp: Regs, op: SimdOp, d: Slot, a: Slot, b: Slot, c: Slot) {
    unsafe { fp.wv(d, simd::ternary(op, fp.rv(a), fp.rv(b), fp.rv(c))) }
}

#[inline(never)]
unsafe fn simd_replace_at(fp: Regs, op: SimdOp, lane: u8, d: Slot, a: Slot, b: Slot) {
    unsafe { fp.wv(d, simd::replace(op, lane, fp.rv(a), fp.r(b))) }
}

#[inline(never)]
unsafe fn shuffle_at(cx: &Cx, fp: Regs, d: Slot, a: Slot, b: Slot, idx: u32) {
    let lanes = cx.pos.cf.get().consts[idx as usize].to_le_bytes();
    unsafe { fp.wv(d, simd::shuffle(fp.rv(a), fp.rv(b), lanes)) }
}

#[inline(never)]
unsafe fn v128_load_at(
    cx: &Cx,
    fp: Regs,
    kind: V128LoadOp,
    d: Slot,
    addr: Slot,
    mem: u16,
    off: u32,
) -> Result<(), TrapCode> {
    let a = unsafe { fp.r(addr) };
    let v = match kind {
        V128LoadOp::Full => u128::from_le_bytes(read_mem(cx, mem, a, off)?),
        V128LoadOp::Ext(k) => {
            let bits = match k {
                LoadKind::Load8Splat => u64::from(read_mem::<1>(cx, mem, a, off)?[0]),
                LoadKind::Load16Splat => u64::from(u16::from_le_bytes(read_mem(cx, mem, a, off)?)),
                LoadKind::Load32Splat | LoadKind::Load32Zero => {
                    u64::from(u32::from_le_bytes(read_mem(cx, mem, a, off)?))
                }
                _ => u64::from_le_bytes(read_mem(cx, mem, a, off)?),
            };
            simd::load_extend(k, bits)
        }
    };
    unsafe { fp.wv(d, v) };
    Ok(())
}

#[inline(never)]
unsafe fn v128_load_lane_at(
    cx: &Cx,
    fp: Regs,
    (width, lane): (u8, u8),
    d: Slot,
    addr: Slot,
    ext: u32,
) -> Result<(), TrapCode> {
    let (mem, off) = cx.pos.cf.get().memargs[ext as usize];
    let a = unsafe { fp.r(addr) };
    let bits: u64 = match width {
        1 => u64::from(read_mem::<1>(cx, mem, a, off)?[0]),
        2 => u64::from(u16::from_le_bytes(read_mem(cx, mem, a, off)?)),
        4 => u64::from(u32::from_le_bytes(read_mem(cx, mem, a, off)?)),
        _ => u64::from_le_bytes(read_mem(cx, mem, a, off)?),
    };
    let shift = u32::from(lane) * u32::from(width) * 8;
    let mask: u128 = if width == 8 { u128::from(u64::MAX) } else { (1u128 << (u32::from(width) * 8)) - 1 };
    unsafe { fp.wv(d, (fp.rv(d) & !(mask << shift)) | (u128::from(bits) << shift)) };
    Ok(())
}

#[inline(never)]
unsafe fn v128_store_lane_at(
    cx: &mut Cx,
    fp: Regs,
    (width, lane): (u8, u8),
    s: Slot,
    addr: Slot,
    ext: u32,
) -> Result<(), TrapCode> {
    let (mem, off) = cx.pos.cf.get().memargs[ext as usize];
    let shift = u32::from(lane) * u32::from(width) * 8;
    let (v, a) = unsafe { ((fp.rv(s) >> shift) as u64, fp.r(addr)) };
    match width {
        1 => write_mem(cx, mem, a, off, [v as u8]),
        2 => write_mem(cx, mem, a, off, (v as u16).to_le_bytes()),
        4 => write_mem(cx, mem, a, off, (v as u32).to_le_bytes()),
        _ => write_mem(cx, mem, a, off, v.to_le_bytes()),
    }
}
