//! Stage 4 of the pipeline: the interpreter.
//!
//! One loop runs every guest frame of a call: a guest-to-guest call pushes a [`Frame`] on
//! an explicit stack and continues the loop, so guest recursion never grows the host stack.
//! Frames live in one `Vec<u64>` of slots; a callee's frame starts where its caller placed
//! the arguments, so arguments are never copied and results land where the caller expects.

mod frames;
mod memory;
mod num;

use frames::{backtrace, compiled, enter_frame, mem0_of, CodeRef};
use memory::{copy_range, f32_of, range, read, write};

use std::sync::Arc;

use crate::error::{Error, Result, Trap, TrapCode};
use crate::func::Caller;
use crate::instance::Instance;
use crate::ir::{Instr, LoadOp, StoreOp, V128LoadOp};
use crate::simd::{self, LoadKind, Shape};
use crate::store::{Func, FuncEntity, Store, PAGE_SIZE};
use crate::value::{Val, ValType};

/// How deeply host functions may re-enter the guest (each re-entry uses host stack).
const MAX_REENTRY: usize = 100;

/// A suspended caller.
struct Frame {
    /// See [`CodeRef`].
    func: CodeRef,
    pc: usize,
    bp: usize,
    inst: u32,
    index: u32,
    mem0: usize,
}

/// Calls `func` with already type-checked `params`, writing `results`.
pub(crate) fn call<T>(store: &mut Store<T>, func: Func, params: &[Val], results: &mut [Val]) -> Result<()> {
    let (inst, index) = match store.inner.funcs[func.0 as usize] {
        FuncEntity::Host { host, .. } => {
            let entry = store.hosts[host as usize].clone();
            return (entry.func)(Caller { store, instance: None }, params, results);
        }
        FuncEntity::Wasm { instance, index, .. } => (instance, index),
    };
    if store.inner.depth >= store.inner.engine.config().max_call_depth || store.inner.reentry >= MAX_REENTRY {
        return Err(TrapCode::StackOverflow.into());
    }
    let mut regs = std::mem::take(&mut store.inner.stack);
    regs.clear();
    for p in params {
        let bits = p.to_bits();
        regs.push(bits as u64);
        if p.ty() == ValType::V128 {
            regs.push((bits >> 64) as u64);
        }
    }
    store.inner.reentry += 1;
    let outcome = run(store, &mut regs, inst, index);
    store.inner.reentry -= 1;
    if outcome.is_ok() {
        let module = store.inner.instances[inst as usize].module.clone();
        let ty = module.func_type(index);
        let mut slot = 0;
        for (r, t) in results.iter_mut().zip(ty.results()) {
            let mut bits = u128::from(regs[slot]);
            slot += 1;
            if *t == ValType::V128 {
                bits |= u128::from(regs[slot]) << 64;
                slot += 1;
            }
            *r = Val::from_bits(*t, bits);
        }
    }
    if regs.capacity() <= 1 << 16 {
        store.inner.stack = regs;
    }
    outcome
}

/// Runs function `index` of instance `inst` whose arguments are in `regs[0..]`.
fn run<T>(store: &mut Store<T>, regs: &mut Vec<u64>, mut inst: u32, mut index: u32) -> Result<()> {
    let max_depth = store.inner.engine.config().max_call_depth;
    let max_slots = store.inner.engine.config().max_stack_slots;
    let depth_base = store.inner.depth;
    let mut frames: Vec<Frame> = Vec::new();
    let mut host_args: Vec<Val> = Vec::new();
    let mut host_results: Vec<Val> = Vec::new();
    let mut cf = compiled(&store.inner, inst, index)?;
    let mut pc: usize = 0;
    let mut bp: usize = 0;
    let mut mem0 = mem0_of(&store.inner, inst);
    if let Err(code) = enter_frame(regs, max_slots, 0, cf.get()) {
        return Err(Trap::with_backtrace(code, backtrace(&store.inner, &frames, inst, index)).into());
    }

    // The current frame's slots; assigned when the frame starts running (declared here so
    // the slot macros below can name it).
    let mut frame: &mut [u64];
    macro_rules! r {
        ($s:expr) => {
            frame[$s as usize]
        };
    }
    macro_rules! w {
        ($d:expr, $v:expr) => {{
            let v = $v;
            frame[$d as usize] = v;
        }};
    }
    macro_rules! rv {
        ($s:expr) => {
            u128::from(frame[$s as usize]) | (u128::from(frame[$s as usize + 1]) << 64)
        };
    }
    macro_rules! wv {
        ($d:expr, $v:expr) => {{
            let v: u128 = $v;
            frame[$d as usize] = v as u64;
            frame[$d as usize + 1] = (v >> 64) as u64;
        }};
    }
    macro_rules! trap {
        ($code:expr) => {{
            let code: TrapCode = $code;
            if code == TrapCode::Interrupted {
                store.inner.take_interrupt();
            }
            return Err(Trap::with_backtrace(code, backtrace(&store.inner, &frames, inst, index)).into());
        }};
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
                store.inner.instances[inst as usize].memories[$m as usize] as usize
            }
        };
    }
    macro_rules! table_index {
        ($t:expr) => {
            store.inner.instances[inst as usize].tables[$t as usize] as usize
        };
    }
    macro_rules! global_index {
        ($g:expr) => {
            store.inner.instances[inst as usize].globals[$g as usize] as usize
        };
    }
    macro_rules! load {
        ($mem:expr, $addr:expr, $off:expr, $n:literal) => {
            match read::<$n>(&store.inner.memories[mem_index!($mem)].data, u64::from(r!($addr) as u32), $off)
            {
                Some(b) => b,
                None => trap!(TrapCode::MemoryOutOfBounds),
            }
        };
    }
    // Calls store function `$fid` with arguments at slot `$base`; `$tail` replaces this frame.
    macro_rules! call_func {
        ($fid:expr, $base:expr, $tail:expr) => {{
            let fid: usize = $fid;
            let base = bp + $base as usize;
            match store.inner.funcs[fid] {
                FuncEntity::Wasm { instance: ci, index: cidx, .. } => {
                    let callee = compiled(&store.inner, ci, cidx)?;
                    let new_bp = if $tail {
                        let n = callee.get().param_slots as usize;
                        regs.copy_within(base..base + n, bp);
                        bp
                    } else {
                        if depth_base + frames.len() + 1 >= max_depth {
                            trap!(TrapCode::StackOverflow);
                        }
                        base
                    };
                    tryt!(enter_frame(regs, max_slots, new_bp, callee.get()));
                    let ci_mem0 = if ci == inst { mem0 } else { mem0_of(&store.inner, ci) };
                    let caller = std::mem::replace(&mut cf, callee);
                    if !$tail {
                        frames.push(Frame { func: caller, pc, bp, inst, index, mem0 });
                    }
                    bp = new_bp;
                    pc = 0;
                    inst = ci;
                    index = cidx;
                    mem0 = ci_mem0;
                }
                FuncEntity::Host { host, .. } => {
                    let entry = store.hosts[host as usize].clone();
                    let fty = &entry.ty;
                    host_args.clear();
                    let mut slot = base;
                    for t in fty.params() {
                        let mut bits = u128::from(regs[slot]);
                        slot += 1;
                        if *t == ValType::V128 {
                            bits |= u128::from(regs[slot]) << 64;
                            slot += 1;
                        }
                        host_args.push(Val::from_bits(*t, bits));
                    }
                    host_results.clear();
                    host_results.extend(fty.results().iter().map(|t| t.default_val()));
                    store.inner.depth = depth_base + frames.len() + 1;
                    let outcome = (entry.func)(
                        Caller { store: &mut *store, instance: Some(Instance(inst)) },
                        &host_args,
                        &mut host_results,
                    );
                    store.inner.depth = depth_base;
                    if let Err(e) = outcome {
                        if e.as_trap().is_some_and(|t| t.code() == TrapCode::Interrupted) {
                            store.inner.take_interrupt();
                        }
                        return Err(match e {
                            Error::Trap(t) if t.backtrace().is_empty() => {
                                t.set_backtrace(backtrace(&store.inner, &frames, inst, index)).into()
                            }
                            other => other,
                        });
                    }
                    let target = if $tail { bp } else { base };
                    let mut slot = target;
                    for (v, t) in host_results.iter().zip(fty.results()) {
                        if v.ty() != *t {
                            return Err(Error::BadArguments(format!(
                                "host function returned {} for a {t} result",
                                v.ty()
                            )));
                        }
                        let bits = v.to_bits();
                        if slot >= regs.len() {
                            regs.resize(slot + 2, 0);
                        }
                        regs[slot] = bits as u64;
                        slot += 1;
                        if *t == ValType::V128 {
                            regs[slot] = (bits >> 64) as u64;
                            slot += 1;
                        }
                    }
                    if $tail {
                        match frames.pop() {
                            None => return Ok(()),
                            Some(f) => {
                                cf = f.func;
                                pc = f.pc;
                                bp = f.bp;
                                inst = f.inst;
                                index = f.index;
                                mem0 = f.mem0;
                            }
                        }
                    }
                }
            }
        }};
    }
    macro_rules! indirect {
        ($ty:expr, $table:expr, $c:expr) => {{
            let t = table_index!($table);
            let i = r!($c) as u32 as usize;
            let raw = match store.inner.tables[t].elems.get(i) {
                Some(raw) => *raw,
                None => trap!(TrapCode::TableOutOfBounds),
            };
            if raw == 0 {
                trap!(TrapCode::IndirectCallToNull);
            }
            let fid = raw as usize - 1;
            let want = store.inner.instances[inst as usize].module.type_ids[$ty as usize];
            if store.inner.funcs[fid].type_id() != want {
                trap!(TrapCode::BadSignature);
            }
            fid
        }};
    }

    loop {
        // The inner loop runs the current frame until it calls or returns; the slices it
        // works on are plain locals there, so the compiler keeps them out of the way of
        // every instruction's dispatch.
        let next = {
            let current = cf.get();
            let code: &[Instr] = &current.code;
            frame = &mut regs[bp..];
            loop {
                let instr = code[pc];
                pc += 1;
                match instr {
                    Instr::Unreachable => trap!(TrapCode::Unreachable),
                    Instr::Fuel { amount } => {
                        let amount = u64::from(amount);
                        if store.inner.fuel < amount {
                            store.inner.fuel = 0;
                            trap!(TrapCode::OutOfFuel);
                        }
                        store.inner.fuel -= amount;
                    }
                    Instr::CheckInterrupt => {
                        if store.inner.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
                            trap!(TrapCode::Interrupted);
                        }
                    }
                    Instr::Br { t } => pc = t as usize,
                    Instr::BrIfNz { c, t } => {
                        if r!(c) as u32 != 0 {
                            pc = t as usize;
                        }
                    }
                    Instr::BrIfEqz { c, t } => {
                        if r!(c) as u32 == 0 {
                            pc = t as usize;
                        }
                    }
                    Instr::BrCmpI32 { op, a, b, t } => {
                        if op.eval(r!(a) as u32, r!(b) as u32) {
                            pc = t as usize;
                        }
                    }
                    Instr::BrCmpI32Imm { op, a, imm, t } => {
                        if op.eval(r!(a) as u32, imm as i32 as u32) {
                            pc = t as usize;
                        }
                    }
                    Instr::BrTable { c, len } => {
                        let i = (r!(c) as u32).min(len);
                        pc += i as usize;
                    }
                    Instr::Return => break Next::Return,
                    Instr::Call { f, base } => {
                        let fid = store.inner.instances[inst as usize].funcs[f as usize] as usize;
                        break Next::Call { fid, base, tail: false };
                    }
                    Instr::ReturnCall { f, base } => {
                        let fid = store.inner.instances[inst as usize].funcs[f as usize] as usize;
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
                    Instr::GlobalGet { d, g } => w!(d, store.inner.globals[global_index!(g)].bits as u64),
                    Instr::GlobalSet { s, g } => {
                        let gi = global_index!(g);
                        store.inner.globals[gi].bits = u128::from(r!(s));
                    }
                    Instr::GlobalGetV128 { d, g } => wv!(d, store.inner.globals[global_index!(g)].bits),
                    Instr::GlobalSetV128 { s, g } => {
                        let gi = global_index!(g);
                        store.inner.globals[gi].bits = rv!(s);
                    }

                    Instr::Load { kind, d, addr, mem, off } => {
                        let v = match kind {
                            LoadOp::I32 | LoadOp::F32 => {
                                u64::from(u32::from_le_bytes(load!(mem, addr, off, 4)))
                            }
                            LoadOp::I64 | LoadOp::F64 => u64::from_le_bytes(load!(mem, addr, off, 8)),
                            LoadOp::I32_8S => {
                                i8::from_le_bytes(load!(mem, addr, off, 1)) as i32 as u32 as u64
                            }
                            LoadOp::I32_8U => u64::from(load!(mem, addr, off, 1)[0]),
                            LoadOp::I32_16S => {
                                i16::from_le_bytes(load!(mem, addr, off, 2)) as i32 as u32 as u64
                            }
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
                        let a = u64::from(r!(addr) as u32);
                        let data = &mut store.inner.memories[mem_index!(mem)].data;
                        let ok = match kind {
                            StoreOp::B1 => write(data, a, off, &[v as u8]),
                            StoreOp::B2 => write(data, a, off, &(v as u16).to_le_bytes()),
                            StoreOp::B4 => write(data, a, off, &(v as u32).to_le_bytes()),
                            StoreOp::B8 => write(data, a, off, &v.to_le_bytes()),
                        };
                        if ok.is_none() {
                            trap!(TrapCode::MemoryOutOfBounds);
                        }
                    }
                    Instr::MemorySize { d, mem } => {
                        w!(d, store.inner.memories[mem_index!(mem)].data.len() as u64 / PAGE_SIZE)
                    }
                    Instr::MemoryGrow { d, delta, mem } => {
                        let mi = mem_index!(mem);
                        let delta = u64::from(r!(delta) as u32);
                        let old = store.inner.grow_memory(mi as u32, delta);
                        w!(d, old.map_or(u64::from(u32::MAX), |o| o));
                    }
                    Instr::MemoryFill { mem, dst, val, len } => {
                        let mi = mem_index!(mem);
                        let data = &mut store.inner.memories[mi].data;
                        match range(u64::from(r!(dst) as u32), u64::from(r!(len) as u32), data.len()) {
                            Some(rg) => data[rg].fill(r!(val) as u8),
                            None => trap!(TrapCode::MemoryOutOfBounds),
                        }
                    }
                    Instr::MemoryCopy { dst_mem, src_mem, dst, src, len } => {
                        let (di, si) = (mem_index!(dst_mem), mem_index!(src_mem));
                        let (d0, s0, n) = (r!(dst) as u32, r!(src) as u32, r!(len) as u32);
                        let mems = &mut store.inner.memories;
                        let copied =
                            copy_range(mems, (di, d0.into()), (si, s0.into()), n.into(), |m| &mut m.data);
                        if copied.is_none() {
                            trap!(TrapCode::MemoryOutOfBounds);
                        }
                    }
                    Instr::MemoryInit { mem, data, dst, src, len } => {
                        let mi = mem_index!(mem);
                        let i = &store.inner.instances[inst as usize];
                        let seg = if i.data_dropped[data as usize] {
                            0..0
                        } else {
                            i.module.datas[data as usize].bytes.clone()
                        };
                        let module = i.module.clone();
                        let n = u64::from(r!(len) as u32);
                        let (Some(sr), Some(dr)) = (
                            range(u64::from(r!(src) as u32), n, seg.len()),
                            range(u64::from(r!(dst) as u32), n, store.inner.memories[mi].data.len()),
                        ) else {
                            trap!(TrapCode::MemoryOutOfBounds)
                        };
                        let bytes = &module.bytes[seg.start + sr.start..seg.start + sr.end];
                        store.inner.memories[mi].data[dr].copy_from_slice(bytes);
                    }
                    Instr::DataDrop { data } => {
                        store.inner.instances[inst as usize].data_dropped[data as usize] = true;
                    }

                    Instr::TableGet { d, i, table } => {
                        let t = table_index!(table);
                        match store.inner.tables[t].elems.get(r!(i) as u32 as usize) {
                            Some(v) => w!(d, *v),
                            None => trap!(TrapCode::TableOutOfBounds),
                        }
                    }
                    Instr::TableSet { i, v, table } => {
                        let t = table_index!(table);
                        let v = r!(v);
                        match store.inner.tables[t].elems.get_mut(r!(i) as u32 as usize) {
                            Some(e) => *e = v,
                            None => trap!(TrapCode::TableOutOfBounds),
                        }
                    }
                    Instr::TableSize { d, table } => {
                        w!(d, store.inner.tables[table_index!(table)].elems.len() as u64)
                    }
                    Instr::TableGrow { d, init, delta, table } => {
                        let t = table_index!(table);
                        let old = store.inner.grow_table(t as u32, u64::from(r!(delta) as u32), r!(init));
                        w!(d, old.map_or(u64::from(u32::MAX), |o| o));
                    }
                    Instr::TableFill { table, i, v, len } => {
                        let t = table_index!(table);
                        let v = r!(v);
                        let elems = &mut store.inner.tables[t].elems;
                        match range(u64::from(r!(i) as u32), u64::from(r!(len) as u32), elems.len()) {
                            Some(rg) => elems[rg].fill(v),
                            None => trap!(TrapCode::TableOutOfBounds),
                        }
                    }
                    Instr::TableCopy { dst_table, src_table, dst, src, len } => {
                        let (dt, st) = (table_index!(dst_table), table_index!(src_table));
                        let (d0, s0, n) = (r!(dst) as u32, r!(src) as u32, r!(len) as u32);
                        let tables = &mut store.inner.tables;
                        let copied =
                            copy_range(tables, (dt, d0.into()), (st, s0.into()), n.into(), |t| &mut t.elems);
                        if copied.is_none() {
                            trap!(TrapCode::TableOutOfBounds);
                        }
                    }
                    Instr::TableInit { table, elem, dst, src, len } => {
                        let t = table_index!(table);
                        let items = store.inner.instances[inst as usize].elems[elem as usize].clone();
                        let n = u64::from(r!(len) as u32);
                        let elems = &mut store.inner.tables[t].elems;
                        let (Some(sr), Some(dr)) = (
                            range(u64::from(r!(src) as u32), n, items.len()),
                            range(u64::from(r!(dst) as u32), n, elems.len()),
                        ) else {
                            trap!(TrapCode::TableOutOfBounds)
                        };
                        elems[dr].copy_from_slice(&items[sr]);
                    }
                    Instr::ElemDrop { elem } => {
                        store.inner.instances[inst as usize].elems[elem as usize] = Arc::new([]);
                    }
                    Instr::RefFunc { d, f } => {
                        w!(d, Func(store.inner.instances[inst as usize].funcs[f as usize]).raw())
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
                        w!(d, u64::from(op.eval(r!(a) as u32, imm as i32 as u32)))
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
                    Instr::I32Store { s, addr, off } => {
                        let (v, a) = (r!(s) as u32, u64::from(r!(addr) as u32));
                        if write(&mut store.inner.memories[mem0].data, a, off, &v.to_le_bytes()).is_none() {
                            trap!(TrapCode::MemoryOutOfBounds);
                        }
                    }
                    Instr::I64Store { s, addr, off } => {
                        let (v, a) = (r!(s), u64::from(r!(addr) as u32));
                        if write(&mut store.inner.memories[mem0].data, a, off, &v.to_le_bytes()).is_none() {
                            trap!(TrapCode::MemoryOutOfBounds);
                        }
                    }
                    Instr::I32Store8 { s, addr, off } => {
                        let (v, a) = (r!(s) as u8, u64::from(r!(addr) as u32));
                        if write(&mut store.inner.memories[mem0].data, a, off, &[v]).is_none() {
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
                                    LoadKind::Load16Splat => {
                                        u64::from(u16::from_le_bytes(load!(mem, addr, off, 2)))
                                    }
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
                        let bytes = rv!(s).to_le_bytes();
                        let a = u64::from(r!(addr) as u32);
                        let mi = mem_index!(mem);
                        if write(&mut store.inner.memories[mi].data, a, off, &bytes).is_none() {
                            trap!(TrapCode::MemoryOutOfBounds);
                        }
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
                        let mask: u128 = if width == 8 {
                            u128::from(u64::MAX)
                        } else {
                            (1u128 << (u32::from(width) * 8)) - 1
                        };
                        let v = (rv!(d) & !(mask << shift)) | (u128::from(bits) << shift);
                        wv!(d, v);
                    }
                    Instr::V128StoreLane { width, lane, s, addr, ext } => {
                        let (mem, off) = current.memargs[ext as usize];
                        let shift = u32::from(lane) * u32::from(width) * 8;
                        let bytes = ((rv!(s) >> shift) as u64).to_le_bytes();
                        let a = u64::from(r!(addr) as u32);
                        let mi = mem_index!(mem);
                        if write(&mut store.inner.memories[mi].data, a, off, &bytes[..width as usize])
                            .is_none()
                        {
                            trap!(TrapCode::MemoryOutOfBounds);
                        }
                    }
                }
            }
        };
        match next {
            Next::Return => match frames.pop() {
                None => return Ok(()),
                Some(f) => {
                    cf = f.func;
                    pc = f.pc;
                    bp = f.bp;
                    inst = f.inst;
                    index = f.index;
                    mem0 = f.mem0;
                }
            },
            Next::Call { fid, base, tail } => call_func!(fid, base, tail),
        }
    }
}

/// Why the inner loop stopped running the current frame.
enum Next {
    Return,
    Call { fid: usize, base: crate::ir::Slot, tail: bool },
}
