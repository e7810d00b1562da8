//! The interpreter's inner loop: runs one frame's instructions until the frame calls,
//! returns or traps. Calls and returns are handled by the caller (`exec::run`), so this
//! function holds only what the instructions themselves need, and the compiler can keep the
//! instruction pointer and frame pointer in registers.

use std::sync::Arc;

use super::memory::{copy_range, f32_of, range, read, write, MemView};
use super::num;
use crate::error::TrapCode;
use crate::ir::{Instr, LoadOp, Slot, StoreOp, V128LoadOp};
use crate::simd::{self, LoadKind, Shape};
use crate::store::{Func, StoreInner, PAGE_SIZE};
use crate::translate::CompiledFunc;

use super::frames::{compiled, enter_frame, CodeRef};
use super::Frame;

/// Why the inner loop stopped running the current frame.
pub(super) enum Next {
    Return,
    Call {
        fid: usize,
        base: Slot,
        tail: bool,
    },
    /// A function called here has no code: its body is invalid (with lazy validation) or
    /// beyond an IR limit.
    Untranslatable(crate::error::Error),
    Trap(TrapCode),
}

/// The running frame, handed back and forth between [`super::run`] and [`run_frame`].
pub(super) struct Position {
    pub(super) cf: CodeRef,
    pub(super) pc: usize,
    pub(super) bp: usize,
    pub(super) inst: u32,
    pub(super) index: u32,
    /// Store index of the instance's memory 0 (`usize::MAX` for none).
    pub(super) mem0: usize,
}

/// The value stack and the suspended callers of one `run`.
pub(super) struct Stack<'a> {
    pub(super) regs: &'a mut Vec<u64>,
    pub(super) frames: &'a mut Vec<Frame>,
    /// Frames this run may push before the call depth limit.
    pub(super) max_frames: usize,
    pub(super) max_slots: usize,
}

/// Runs the frame at `pos` until it calls something other than a function defined in its own
/// module, returns to a caller in another instance (or to the host), or traps. Calls between
/// functions of one instance and their returns stay in this loop. On a call or return,
/// leaves in `pos` the frame to continue with and where.
///
/// # Safety
/// `stack.regs` must be at least `pos.bp + frame_slots` of `pos.cf`'s code long, and `pos.pc`
/// must be 0 or a point this function left for the same code (in `pos` or a [`Frame`]).
pub(super) unsafe fn run_frame(store: &mut StoreInner, stack: &mut Stack, pos: &mut Position) -> Next {
    // Calls and returns that stay in this loop stay in this instance.
    let (inst, mem0) = (pos.inst, pos.mem0);
    let mut current: &CompiledFunc = pos.cf.get();
    let mut code: *const Instr = current.code.as_ptr();
    // SAFETY: `regs` is at least `bp + frame_slots` long (this function's contract, then
    // `enter_frame` for every frame entered here); `fp` is taken again after every change to
    // `regs` and nothing else touches `regs` while this function runs.
    let mut fp: *mut u64 = unsafe { stack.regs.as_mut_ptr().add(pos.bp) };
    let mut view = mem_view(store, mem0);
    // Slot access without a bounds check per operand.
    //
    // SAFETY (for every `r!`, `w!`, `rv!`, `wv!`): `fp` points at the running frame's
    // `frame_slots` slots (see where it is set); the code passed `translate::verify`, which
    // checked that every slot an instruction names, and the slot after it, is below
    // `frame_slots`.
    macro_rules! r {
        ($s:expr) => {
            unsafe { *fp.add($s as usize) }
        };
    }
    macro_rules! w {
        ($d:expr, $v:expr) => {{
            let v = $v;
            unsafe { *fp.add($d as usize) = v };
        }};
    }
    macro_rules! rv {
        ($s:expr) => {
            u128::from(r!($s)) | (u128::from(r!($s + 1)) << 64)
        };
    }
    macro_rules! wv {
        ($d:expr, $v:expr) => {{
            let v: u128 = $v;
            w!($d, v as u64);
            w!($d + 1, (v >> 64) as u64);
        }};
    }
    macro_rules! trap {
        ($code:expr) => {
            return Next::Trap($code)
        };
    }
    macro_rules! tryt {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(code) => trap!(code),
            }
        };
    }
    macro_rules! mem_index {
        ($m:expr) => {
            if $m == 0 {
                mem0
            } else {
                store.instances[inst as usize].memories[$m as usize] as usize
            }
        };
    }
    macro_rules! table_index {
        ($t:expr) => {
            store.instances[inst as usize].tables[$t as usize] as usize
        };
    }
    macro_rules! global_index {
        ($g:expr) => {
            store.instances[inst as usize].globals[$g as usize] as usize
        };
    }
    // Memory 0 goes through the cached view; other memories through the store.
    macro_rules! load {
        ($mem:expr, $addr:expr, $off:expr, $n:literal) => {
            match if $mem == 0 {
                view.read::<$n>(r!($addr) as u32, $off)
            } else {
                read::<$n>(&store.memories[mem_index!($mem)].data, u64::from(r!($addr) as u32), $off)
            } {
                Some(b) => b,
                None => trap!(TrapCode::MemoryOutOfBounds),
            }
        };
    }
    macro_rules! store {
        ($mem:expr, $addr:expr, $off:expr, $bytes:expr) => {{
            let written = if $mem == 0 {
                view.write(r!($addr) as u32, $off, $bytes)
            } else {
                let data = &mut store.memories[mem_index!($mem)].data;
                let written = write(data, u64::from(r!($addr) as u32), $off, &$bytes);
                refresh_mem!();
                written
            };
            if written.is_none() {
                trap!(TrapCode::MemoryOutOfBounds);
            }
        }};
    }
    // Retakes the view of memory 0 after an instruction reached memory through the store.
    macro_rules! refresh_mem {
        () => {
            view = mem_view(store, mem0)
        };
    }
    // Calls store function `$fid` with arguments at slot `$base`; `$tail` replaces this frame.
    macro_rules! indirect {
        ($ty:expr, $table:expr, $c:expr) => {{
            let t = table_index!($table);
            let i = r!($c) as u32 as usize;
            let raw = match store.tables[t].elems.get(i) {
                Some(raw) => *raw,
                None => trap!(TrapCode::TableOutOfBounds),
            };
            if raw == 0 {
                trap!(TrapCode::IndirectCallToNull);
            }
            let fid = raw as usize - 1;
            let want = store.instances[inst as usize].module.type_ids[$ty as usize];
            if store.funcs[fid].type_id() != want {
                trap!(TrapCode::BadSignature);
            }
            fid
        }};
    }

    // The next instruction, as a pointer into `code` (one register instead of a base and an
    // index).
    //
    // SAFETY (here, in `jump!` and in the fetch below): `ip` stays inside the code. It starts
    // at 0 or where this function stopped before (just after a call, which is never the last
    // instruction), moves to branch targets or `br_table` arms that `translate::verify`
    // checked, or steps past an instruction that is not last: verify checked that the code
    // ends with one that never falls through. Stepping past that last one gives the
    // one-past-the-end pointer, which is never read.
    let mut ip = unsafe { code.add(pos.pc) };
    macro_rules! jump {
        ($t:expr) => {
            ip = unsafe { code.add($t as usize) }
        };
    }
    let next = loop {
        // Matched by reference: each arm then loads only its own fields, instead of
        // every field being decoded into registers before the dispatch (which left
        // `ip` and `fp` no registers; measured with `perf annotate`).
        let instr: &Instr = unsafe { &*ip };
        ip = unsafe { ip.add(1) };
        match *instr {
            Instr::Unreachable => trap!(TrapCode::Unreachable),
            Instr::Fuel { amount } => {
                let amount = u64::from(amount);
                if store.fuel < amount {
                    store.fuel = 0;
                    trap!(TrapCode::OutOfFuel);
                }
                store.fuel -= amount;
            }
            Instr::CheckInterrupt => {
                if store.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
                    trap!(TrapCode::Interrupted);
                }
            }
            Instr::Br { t } => jump!(t),
            Instr::BrIfNz { c, t } => {
                if r!(c) as u32 != 0 {
                    jump!(t);
                }
            }
            Instr::BrIfEqz { c, t } => {
                if r!(c) as u32 == 0 {
                    jump!(t);
                }
            }
            Instr::BrCmpI32 { op, a, b, t } => {
                if op.eval(r!(a) as u32, r!(b) as u32) {
                    jump!(t);
                }
            }
            Instr::BrCmpI32Imm { op, a, imm, t } => {
                if op.eval(r!(a) as u32, imm as u32) {
                    jump!(t);
                }
            }
            Instr::BrTable { c, len } => {
                let i = (r!(c) as u32).min(len);
                ip = unsafe { ip.add(i as usize) };
            }
            Instr::Return => match stack.frames.last() {
                Some(caller) if caller.inst == inst => {
                    let caller = stack.frames.pop().expect("just looked at it");
                    pos.cf = caller.func;
                    pos.bp = caller.bp;
                    pos.index = caller.index;
                    current = caller.func.get();
                    code = current.code.as_ptr();
                    // SAFETY: a frame's `pc` was recorded below from a valid `ip`, and the
                    // caller's slots are still in `regs`, which never shrinks.
                    ip = unsafe { code.add(caller.pc) };
                    fp = unsafe { stack.regs.as_mut_ptr().add(caller.bp) };
                }
                _ => break Next::Return,
            },
            Instr::Call { f, base } => {
                let fid = store.instances[inst as usize].funcs[f as usize] as usize;
                break Next::Call { fid, base, tail: false };
            }
            Instr::CallInternal { f, base } => {
                let callee = match compiled(store, inst, f) {
                    Ok(callee) => callee,
                    Err(e) => break Next::Untranslatable(e),
                };
                if stack.frames.len() + 1 >= stack.max_frames {
                    trap!(TrapCode::StackOverflow);
                }
                let new_bp = pos.bp + base as usize;
                if let Err(code) = enter_frame(stack.regs, stack.max_slots, new_bp, callee.get()) {
                    trap!(code);
                }
                // SAFETY: `ip` and `code` point into the same code array.
                let pc = unsafe { ip.offset_from(code) } as usize;
                stack.frames.push(Frame { func: pos.cf, pc, bp: pos.bp, inst, index: pos.index, mem0 });
                pos.cf = callee;
                pos.bp = new_bp;
                pos.index = f;
                current = callee.get();
                code = current.code.as_ptr();
                ip = code;
                // SAFETY: `enter_frame` just made `regs` at least `new_bp + frame_slots` long.
                fp = unsafe { stack.regs.as_mut_ptr().add(new_bp) };
            }
            Instr::ReturnCall { f, base } => {
                let fid = store.instances[inst as usize].funcs[f as usize] as usize;
                break Next::Call { fid, base, tail: true };
            }
            Instr::CallIndirect { ty, table, c, base } => {
                let fid = indirect!(ty, table, c);
                break Next::Call { fid, base, tail: false };
            }
            Instr::ReturnCallIndirect { ty, table, c, base } => {
                let fid = indirect!(ty, table, c);
                break Next::Call { fid, base, tail: true };
            }

            Instr::Copy { d, s } => w!(d, r!(s)),
            Instr::CopyV128 { d, s } => wv!(d, rv!(s)),
            Instr::Const32 { d, v } => w!(d, u64::from(v)),
            Instr::Const64 { d, v } => w!(d, v),
            Instr::ConstV128 { d, idx } => wv!(d, current.consts[idx as usize]),
            Instr::Select { d, c, a, b } => w!(d, if r!(c) as u32 != 0 { r!(a) } else { r!(b) }),
            Instr::SelectV128 { d, c, a, b } => {
                wv!(d, if r!(c) as u32 != 0 { rv!(a) } else { rv!(b) })
            }
            Instr::GlobalGet { d, g } => w!(d, store.globals[global_index!(g)].bits as u64),
            Instr::GlobalSet { s, g } => {
                let gi = global_index!(g);
                store.globals[gi].bits = u128::from(r!(s));
            }
            Instr::GlobalGetV128 { d, g } => wv!(d, store.globals[global_index!(g)].bits),
            Instr::GlobalSetV128 { s, g } => {
                let gi = global_index!(g);
                store.globals[gi].bits = rv!(s);
            }

            Instr::Load { kind, d, addr, mem, off } => {
                let v = match kind {
                    LoadOp::I32 | LoadOp::F32 => u64::from(u32::from_le_bytes(load!(mem, addr, off, 4))),
                    LoadOp::I64 | LoadOp::F64 => u64::from_le_bytes(load!(mem, addr, off, 8)),
                    LoadOp::I32_8S => i8::from_le_bytes(load!(mem, addr, off, 1)) as i32 as u32 as u64,
                    LoadOp::I32_8U => u64::from(load!(mem, addr, off, 1)[0]),
                    LoadOp::I32_16S => i16::from_le_bytes(load!(mem, addr, off, 2)) as i32 as u32 as u64,
                    LoadOp::I32_16U => u64::from(u16::from_le_bytes(load!(mem, addr, off, 2))),
                    LoadOp::I64_8S => i8::from_le_bytes(load!(mem, addr, off, 1)) as i64 as u64,
                    LoadOp::I64_8U => u64::from(load!(mem, addr, off, 1)[0]),
                    LoadOp::I64_16S => i16::from_le_bytes(load!(mem, addr, off, 2)) as i64 as u64,
                    LoadOp::I64_16U => u64::from(u16::from_le_bytes(load!(mem, addr, off, 2))),
                    LoadOp::I64_32S => i32::from_le_bytes(load!(mem, addr, off, 4)) as i64 as u64,
                    LoadOp::I64_32U => u64::from(u32::from_le_bytes(load!(mem, addr, off, 4))),
                };
                w!(d, v);
            }
            Instr::Store { kind, s, addr, mem, off } => {
                let v = r!(s);
                match kind {
                    StoreOp::B1 => store!(mem, addr, off, [v as u8]),
                    StoreOp::B2 => store!(mem, addr, off, (v as u16).to_le_bytes()),
                    StoreOp::B4 => store!(mem, addr, off, (v as u32).to_le_bytes()),
                    StoreOp::B8 => store!(mem, addr, off, v.to_le_bytes()),
                }
            }
            Instr::MemorySize { d, mem } => {
                w!(d, store.memories[mem_index!(mem)].data.len() as u64 / PAGE_SIZE)
            }
            Instr::MemoryGrow { d, delta, mem } => {
                let mi = mem_index!(mem);
                let delta = u64::from(r!(delta) as u32);
                let old = store.grow_memory(mi as u32, delta);
                refresh_mem!();
                w!(d, old.map_or(u64::from(u32::MAX), |o| o));
            }
            Instr::MemoryFill { mem, dst, val, len } => {
                let mi = mem_index!(mem);
                let data = &mut store.memories[mi].data;
                match range(u64::from(r!(dst) as u32), u64::from(r!(len) as u32), data.len()) {
                    Some(rg) => data[rg].fill(r!(val) as u8),
                    None => trap!(TrapCode::MemoryOutOfBounds),
                }
                refresh_mem!();
            }
            Instr::MemoryCopy { dst_mem, src_mem, dst, src, len } => {
                let (di, si) = (mem_index!(dst_mem), mem_index!(src_mem));
                let (d0, s0, n) = (r!(dst) as u32, r!(src) as u32, r!(len) as u32);
                let mems = &mut store.memories;
                let copied = copy_range(mems, (di, d0.into()), (si, s0.into()), n.into(), |m| &mut m.data);
                if copied.is_none() {
                    trap!(TrapCode::MemoryOutOfBounds);
                }
                refresh_mem!();
            }
            Instr::MemoryInit { mem, data, dst, src, len } => {
                let mi = mem_index!(mem);
                let i = &store.instances[inst as usize];
                let seg = if i.data_dropped[data as usize] {
                    0..0
                } else {
                    i.module.datas[data as usize].bytes.clone()
                };
                let module = i.module.clone();
                let n = u64::from(r!(len) as u32);
                let (Some(sr), Some(dr)) = (
                    range(u64::from(r!(src) as u32), n, seg.len()),
                    range(u64::from(r!(dst) as u32), n, store.memories[mi].data.len()),
                ) else {
                    trap!(TrapCode::MemoryOutOfBounds)
                };
                let bytes = &module.bytes[seg.start + sr.start..seg.start + sr.end];
                store.memories[mi].data[dr].copy_from_slice(bytes);
                refresh_mem!();
            }
            Instr::DataDrop { data } => {
                store.instances[inst as usize].data_dropped[data as usize] = true;
            }

            Instr::TableGet { d, i, table } => {
                let t = table_index!(table);
                match store.tables[t].elems.get(r!(i) as u32 as usize) {
                    Some(v) => w!(d, *v),
                    None => trap!(TrapCode::TableOutOfBounds),
                }
            }
            Instr::TableSet { i, v, table } => {
                let t = table_index!(table);
                let v = r!(v);
                match store.tables[t].elems.get_mut(r!(i) as u32 as usize) {
                    Some(e) => *e = v,
                    None => trap!(TrapCode::TableOutOfBounds),
                }
            }
            Instr::TableSize { d, table } => {
                w!(d, store.tables[table_index!(table)].elems.len() as u64)
            }
            Instr::TableGrow { d, init, delta, table } => {
                let t = table_index!(table);
                let old = store.grow_table(t as u32, u64::from(r!(delta) as u32), r!(init));
                w!(d, old.map_or(u64::from(u32::MAX), |o| o));
            }
            Instr::TableFill { table, i, v, len } => {
                let t = table_index!(table);
                let v = r!(v);
                let elems = &mut store.tables[t].elems;
                match range(u64::from(r!(i) as u32), u64::from(r!(len) as u32), elems.len()) {
                    Some(rg) => elems[rg].fill(v),
                    None => trap!(TrapCode::TableOutOfBounds),
                }
            }
            Instr::TableCopy { dst_table, src_table, dst, src, len } => {
                let (dt, st) = (table_index!(dst_table), table_index!(src_table));
                let (d0, s0, n) = (r!(dst) as u32, r!(src) as u32, r!(len) as u32);
                let tables = &mut store.tables;
                let copied = copy_range(tables, (dt, d0.into()), (st, s0.into()), n.into(), |t| &mut t.elems);
                if copied.is_none() {
                    trap!(TrapCode::TableOutOfBounds);
                }
            }
            Instr::TableInit { table, elem, dst, src, len } => {
                let t = table_index!(table);
                let items = store.instances[inst as usize].elems[elem as usize].clone();
                let n = u64::from(r!(len) as u32);
                let elems = &mut store.tables[t].elems;
                let (Some(sr), Some(dr)) = (
                    range(u64::from(r!(src) as u32), n, items.len()),
                    range(u64::from(r!(dst) as u32), n, elems.len()),
                ) else {
                    trap!(TrapCode::TableOutOfBounds)
                };
                elems[dr].copy_from_slice(&items[sr]);
            }
            Instr::ElemDrop { elem } => {
                store.instances[inst as usize].elems[elem as usize] = Arc::new([]);
            }
            Instr::RefFunc { d, f } => {
                w!(d, Func(store.instances[inst as usize].funcs[f as usize]).raw())
            }

            Instr::Unary { op, d, s } => w!(d, tryt!(num::unop(op, r!(s)))),
            Instr::Binary { op, d, a, b } => w!(d, tryt!(num::binop(op, r!(a), r!(b)))),
            Instr::I32AddImm { d, a, imm } => {
                w!(d, u64::from((r!(a) as u32).wrapping_add(imm as u32)))
            }
            Instr::I64AddImm { d, a, imm } => w!(d, r!(a).wrapping_add(imm as i64 as u64)),
            Instr::I32Add { d, a, b } => w!(d, u64::from((r!(a) as u32).wrapping_add(r!(b) as u32))),
            Instr::I32Sub { d, a, b } => w!(d, u64::from((r!(a) as u32).wrapping_sub(r!(b) as u32))),
            Instr::I64Add { d, a, b } => w!(d, r!(a).wrapping_add(r!(b))),
            Instr::I64Sub { d, a, b } => w!(d, r!(a).wrapping_sub(r!(b))),
            Instr::I32Cmp { op, d, a, b } => w!(d, u64::from(op.eval(r!(a) as u32, r!(b) as u32))),
            Instr::I32CmpImm { op, d, a, imm } => {
                w!(d, u64::from(op.eval(r!(a) as u32, imm as u32)))
            }

            Instr::I32Mul { d, a, b } => w!(d, u64::from((r!(a) as u32).wrapping_mul(r!(b) as u32))),
            Instr::I32And { d, a, b } => w!(d, u64::from(r!(a) as u32 & r!(b) as u32)),
            Instr::I32Or { d, a, b } => w!(d, u64::from(r!(a) as u32 | r!(b) as u32)),
            Instr::I32Xor { d, a, b } => w!(d, u64::from(r!(a) as u32 ^ r!(b) as u32)),
            Instr::I32Shl { d, a, b } => w!(d, u64::from((r!(a) as u32).wrapping_shl(r!(b) as u32))),
            Instr::I32ShrS { d, a, b } => {
                w!(d, u64::from((r!(a) as i32).wrapping_shr(r!(b) as u32) as u32))
            }
            Instr::I32ShrU { d, a, b } => w!(d, u64::from((r!(a) as u32).wrapping_shr(r!(b) as u32))),
            Instr::I64Mul { d, a, b } => w!(d, r!(a).wrapping_mul(r!(b))),
            Instr::I64And { d, a, b } => w!(d, r!(a) & r!(b)),
            Instr::I64Or { d, a, b } => w!(d, r!(a) | r!(b)),
            Instr::I64Xor { d, a, b } => w!(d, r!(a) ^ r!(b)),
            Instr::I64Shl { d, a, b } => w!(d, r!(a).wrapping_shl(r!(b) as u32)),
            Instr::I64ShrS { d, a, b } => w!(d, (r!(a) as i64).wrapping_shr(r!(b) as u32) as u64),
            Instr::I64ShrU { d, a, b } => w!(d, r!(a).wrapping_shr(r!(b) as u32)),
            Instr::F32Add { d, a, b } => w!(d, u64::from((f32_of(r!(a)) + f32_of(r!(b))).to_bits())),
            Instr::F32Sub { d, a, b } => w!(d, u64::from((f32_of(r!(a)) - f32_of(r!(b))).to_bits())),
            Instr::F32Mul { d, a, b } => w!(d, u64::from((f32_of(r!(a)) * f32_of(r!(b))).to_bits())),
            Instr::F64Add { d, a, b } => {
                w!(d, (f64::from_bits(r!(a)) + f64::from_bits(r!(b))).to_bits())
            }
            Instr::F64Sub { d, a, b } => {
                w!(d, (f64::from_bits(r!(a)) - f64::from_bits(r!(b))).to_bits())
            }
            Instr::F64Mul { d, a, b } => {
                w!(d, (f64::from_bits(r!(a)) * f64::from_bits(r!(b))).to_bits())
            }
            Instr::F64Div { d, a, b } => {
                w!(d, (f64::from_bits(r!(a)) / f64::from_bits(r!(b))).to_bits())
            }
            Instr::I32AndImm { d, a, imm } => w!(d, u64::from(r!(a) as u32 & imm as u32)),
            Instr::I32OrImm { d, a, imm } => w!(d, u64::from(r!(a) as u32 | imm as u32)),
            Instr::I32XorImm { d, a, imm } => w!(d, u64::from(r!(a) as u32 ^ imm as u32)),
            Instr::I32ShlImm { d, a, imm } => {
                w!(d, u64::from((r!(a) as u32).wrapping_shl(imm as u32)))
            }
            Instr::I32ShrSImm { d, a, imm } => {
                w!(d, u64::from((r!(a) as i32).wrapping_shr(imm as u32) as u32))
            }
            Instr::I32ShrUImm { d, a, imm } => {
                w!(d, u64::from((r!(a) as u32).wrapping_shr(imm as u32)))
            }
            Instr::I32RotlImm { d, a, imm } => {
                w!(d, u64::from((r!(a) as u32).rotate_left(imm as u32)))
            }
            Instr::I64ShlImm { d, a, imm } => w!(d, r!(a) << imm),
            Instr::I64ShrSImm { d, a, imm } => w!(d, ((r!(a) as i64) >> imm) as u64),
            Instr::I64ShrUImm { d, a, imm } => w!(d, r!(a) >> imm),
            Instr::I64RotlImm { d, a, imm } => w!(d, r!(a).rotate_left(imm as u32)),
            Instr::I64AndImm { d, a, imm } => w!(d, r!(a) & imm as i64 as u64),
            Instr::I64OrImm { d, a, imm } => w!(d, r!(a) | imm as i64 as u64),
            Instr::I64XorImm { d, a, imm } => w!(d, r!(a) ^ imm as i64 as u64),
            Instr::I64MulImm { d, a, imm } => w!(d, r!(a).wrapping_mul(imm as i64 as u64)),
            Instr::I32MulImm { d, a, imm } => {
                w!(d, u64::from((r!(a) as u32).wrapping_mul(imm as u32)))
            }
            Instr::I32Load { d, addr, off } => {
                w!(d, u64::from(u32::from_le_bytes(load!(0u16, addr, off, 4))))
            }
            Instr::I64Load { d, addr, off } => w!(d, u64::from_le_bytes(load!(0u16, addr, off, 8))),
            Instr::I32Load8U { d, addr, off } => w!(d, u64::from(load!(0u16, addr, off, 1)[0])),
            Instr::I32Load8S { d, addr, off } => {
                w!(d, u64::from(i8::from_le_bytes(load!(0u16, addr, off, 1)) as i32 as u32))
            }
            Instr::I32Load16U { d, addr, off } => {
                w!(d, u64::from(u16::from_le_bytes(load!(0u16, addr, off, 2))))
            }
            Instr::I32Load16S { d, addr, off } => {
                w!(d, u64::from(i16::from_le_bytes(load!(0u16, addr, off, 2)) as i32 as u32))
            }
            Instr::I64Load32U { d, addr, off } => {
                w!(d, u64::from(u32::from_le_bytes(load!(0u16, addr, off, 4))))
            }
            Instr::I64ExtendI32U { d, s } => w!(d, u64::from(r!(s) as u32)),
            Instr::I32Store { s, addr, off } => store!(0, addr, off, (r!(s) as u32).to_le_bytes()),
            Instr::I64Store { s, addr, off } => store!(0, addr, off, r!(s).to_le_bytes()),
            Instr::I32Store8 { s, addr, off } => store!(0, addr, off, [r!(s) as u8]),
            Instr::I32Store16 { s, addr, off } => store!(0, addr, off, (r!(s) as u16).to_le_bytes()),
            Instr::I32LoadAdd { d, a, imm, off } => {
                match view.read::<4>((r!(a) as u32).wrapping_add(imm as u32), off) {
                    Some(b) => w!(d, u64::from(u32::from_le_bytes(b))),
                    None => trap!(TrapCode::MemoryOutOfBounds),
                }
            }
            Instr::I64LoadAdd { d, a, imm, off } => {
                match view.read::<8>((r!(a) as u32).wrapping_add(imm as u32), off) {
                    Some(b) => w!(d, u64::from_le_bytes(b)),
                    None => trap!(TrapCode::MemoryOutOfBounds),
                }
            }
            Instr::F64MulAdd { d, x, y, c } => {
                let product = f64::from_bits(r!(x)) * f64::from_bits(r!(y));
                w!(d, (f64::from_bits(r!(c)) + product).to_bits())
            }
            Instr::I32LoadAt { d, ea } => match view.read::<4>(ea, 0) {
                Some(b) => w!(d, u64::from(u32::from_le_bytes(b))),
                None => trap!(TrapCode::MemoryOutOfBounds),
            },
            Instr::I64LoadAt { d, ea } => match view.read::<8>(ea, 0) {
                Some(b) => w!(d, u64::from_le_bytes(b)),
                None => trap!(TrapCode::MemoryOutOfBounds),
            },
            Instr::I32StoreAt { s, ea } => {
                if view.write(ea, 0, (r!(s) as u32).to_le_bytes()).is_none() {
                    trap!(TrapCode::MemoryOutOfBounds);
                }
            }
            Instr::I64StoreAt { s, ea } => {
                if view.write(ea, 0, r!(s).to_le_bytes()).is_none() {
                    trap!(TrapCode::MemoryOutOfBounds);
                }
            }

            Instr::Simd1 { op, lane, d, a } => match op.shape() {
                Shape::ToScalar(_) => w!(d, simd::to_scalar(op, lane, rv!(a))),
                Shape::FromScalar(_) => wv!(d, simd::from_scalar(op, r!(a))),
                _ => wv!(d, simd::unary(op, rv!(a))),
            },
            Instr::Simd2 { op, d, a, b } => match op.shape() {
                Shape::Shift => wv!(d, simd::shift(op, rv!(a), r!(b) as u32)),
                _ => wv!(d, simd::binary(op, rv!(a), rv!(b))),
            },
            Instr::Simd3 { op, d, a, b, c } => wv!(d, simd::ternary(op, rv!(a), rv!(b), rv!(c))),
            Instr::SimdReplace { op, lane, d, a, b } => {
                wv!(d, simd::replace(op, lane, rv!(a), r!(b)))
            }
            Instr::Shuffle { d, a, b, idx } => {
                let lanes = current.consts[idx as usize].to_le_bytes();
                wv!(d, simd::shuffle(rv!(a), rv!(b), lanes))
            }
            Instr::V128Load { kind, d, addr, mem, off } => {
                let v = match kind {
                    V128LoadOp::Full => u128::from_le_bytes(load!(mem, addr, off, 16)),
                    V128LoadOp::Ext(k) => {
                        let bits = match k {
                            LoadKind::Load8Splat => u64::from(load!(mem, addr, off, 1)[0]),
                            LoadKind::Load16Splat => u64::from(u16::from_le_bytes(load!(mem, addr, off, 2))),
                            LoadKind::Load32Splat | LoadKind::Load32Zero => {
                                u64::from(u32::from_le_bytes(load!(mem, addr, off, 4)))
                            }
                            _ => u64::from_le_bytes(load!(mem, addr, off, 8)),
                        };
                        simd::load_extend(k, bits)
                    }
                };
                wv!(d, v);
            }
            Instr::V128Store { s, addr, mem, off } => {
                store!(mem, addr, off, rv!(s).to_le_bytes());
            }
            Instr::V128LoadLane { width, lane, d, addr, ext } => {
                let (mem, off) = current.memargs[ext as usize];
                let bits: u64 = match width {
                    1 => u64::from(load!(mem, addr, off, 1)[0]),
                    2 => u64::from(u16::from_le_bytes(load!(mem, addr, off, 2))),
                    4 => u64::from(u32::from_le_bytes(load!(mem, addr, off, 4))),
                    _ => u64::from_le_bytes(load!(mem, addr, off, 8)),
                };
                let shift = u32::from(lane) * u32::from(width) * 8;
                let mask: u128 =
                    if width == 8 { u128::from(u64::MAX) } else { (1u128 << (u32::from(width) * 8)) - 1 };
                let v = (rv!(d) & !(mask << shift)) | (u128::from(bits) << shift);
                wv!(d, v);
            }
            Instr::V128StoreLane { width, lane, s, addr, ext } => {
                let (mem, off) = current.memargs[ext as usize];
                let shift = u32::from(lane) * u32::from(width) * 8;
                let lane = (rv!(s) >> shift) as u64;
                match width {
                    1 => store!(mem, addr, off, [lane as u8]),
                    2 => store!(mem, addr, off, (lane as u16).to_le_bytes()),
                    4 => store!(mem, addr, off, (lane as u32).to_le_bytes()),
                    _ => store!(mem, addr, off, lane.to_le_bytes()),
                }
            }
        }
    };
    // SAFETY: `ip` and `code` point into (or one past) the same code array.
    pos.pc = unsafe { ip.offset_from(code) } as usize;
    next
}

/// The view of memory `mem0` (a store memory index, `usize::MAX` for none); see [`MemView`].
fn mem_view(s: &mut StoreInner, mem0: usize) -> MemView {
    s.memories.get_mut(mem0).map_or(MemView::NONE, |m| MemView::of(&mut m.data))
}
