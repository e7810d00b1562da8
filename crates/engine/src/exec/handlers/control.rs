//! Control: fuel and interrupts, branches, calls and returns.

use super::{handlers, or_trap};
use crate::error::TrapCode;
use crate::exec::dispatch::{next, Cx, Flow, Next, Op, Regs};
use crate::exec::frames::{compiled, compiled_in, enter_frame, enter_frame_fast, CodeRef};
use crate::exec::Frame;
use crate::ir::{CmpOp, Instr, Slot};

handlers! { |ip, fp, cx, acc|
    unreachable = Unreachable {} => {
        return cx.trap(ip, TrapCode::Unreachable);
    }
    fuel = Fuel { amount } => {
        let amount = u64::from(amount);
        if cx.store.fuel < amount {
            cx.store.fuel = 0;
            return cx.trap(ip, TrapCode::OutOfFuel);
        }
        cx.store.fuel -= amount;
    }
    check_interrupt = CheckInterrupt {} => {
        if cx.store.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            return cx.trap(ip, TrapCode::Interrupted);
        }
    }
    // SAFETY (every branch): `translate::verify` checked that targets and `br_table` arms
    // are ops of this function.
    br = Br { t } => {
        next!(unsafe { cx.code.add(t as usize) }, fp, cx, acc);
    }
    br_if_nz(c) = BrIfNz { c, t } => {
        if c as u32 != 0 {
            next!(unsafe { cx.code.add(t as usize) }, fp, cx, acc);
        }
    }
    br_if_eqz(c) = BrIfEqz { c, t } => {
        if c as u32 == 0 {
            next!(unsafe { cx.code.add(t as usize) }, fp, cx, acc);
        }
    }
    br_cmp_i32<OP>(a) = BrCmpI32 { a, b, t } => {
        if CmpOp::from_table(OP).holds(a as u32, fp.r(b) as u32) {
            next!(unsafe { cx.code.add(t as usize) }, fp, cx, acc);
        }
    }
    br_cmp_i32_imm<OP>(a) = BrCmpI32Imm { a, imm, t } => {
        if CmpOp::from_table(OP).holds(a as u32, imm as u32) {
            next!(unsafe { cx.code.add(t as usize) }, fp, cx, acc);
        }
    }
    br_table = BrTable { c, len } => {
        // Arm `i` (the last one is the default) is the `i + 1`th op after this one.
        let i = (fp.r(c) as u32).min(len);
        next!(unsafe { ip.add(1 + i as usize) }, fp, cx, acc);
    }
    ret = Return {} => {
        let Some(&caller) = cx.frames.last().filter(|f| f.inst == cx.inst) else {
            return cx.stop(ip.add(1), Next::Return);
        };
        // SAFETY: `frames` is not empty (it has a last element).
        unsafe { cx.frames.set_len(cx.frames.len() - 1) };
        cx.pos.cf = caller.func;
        cx.pos.bp = caller.bp;
        cx.pos.index = caller.index;
        cx.code = caller.func.get().code.as_ptr();
        // SAFETY: a frame's `resume` is an op of its code (the one after its call, never the
        // last), and the caller's slots are still in `regs`, which never shrinks.
        let fp = unsafe { Regs::at(&mut cx.regs, caller.bp) };
        next!(caller.resume, fp, cx, acc);
    }
    call = Call { f, base } => {
        let fid = cx.store.instances[cx.inst as usize].funcs[f as usize] as usize;
        return cx.stop(ip.add(1), Next::Call { fid, base, tail: false });
    }
    call_internal = CallInternal { f, base } => {
        // Suspends this frame (resuming after this op) and enters function `f` of the
        // running instance with its arguments at slot `base`. This is the path of a call to
        // a translated function with room for its frame: nothing here calls out, so the
        // handler saves no registers; anything else is `call_internal_slow`.
        let Some(callee) = compiled_in(cx.module.get(), f) else {
            return call_internal_slow(ip, fp, cx, acc);
        };
        let new_bp = cx.pos.bp + base as usize;
        if cx.frames.len() >= cx.frame_limit || !enter_frame_fast(&mut cx.regs, new_bp, callee.get()) {
            return call_internal_slow(ip, fp, cx, acc);
        }
        // SAFETY: `frames` is shorter than `frame_limit`, at most its capacity.
        return unsafe { push_frame(cx, ip, callee, f, new_bp) };
    }
    return_call = ReturnCall { f, base } => {
        let fid = cx.store.instances[cx.inst as usize].funcs[f as usize] as usize;
        return cx.stop(ip.add(1), Next::Call { fid, base, tail: true });
    }
    call_indirect = CallIndirect { ty, table, c, base } => {
        let fid = or_trap!(cx, ip, indirect(cx, fp, ty, table, c));
        return cx.stop(ip.add(1), Next::Call { fid, base, tail: false });
    }
    return_call_indirect = ReturnCallIndirect { ty, table, c, base } => {
        let fid = or_trap!(cx, ip, indirect(cx, fp, ty, table, c));
        return cx.stop(ip.add(1), Next::Call { fid, base, tail: true });
    }
}

/// The store function a `call_indirect` through `table` at index slot `c` reaches, checked
/// against type `ty`.
///
/// # Safety
/// `c` is a slot of the frame `fp`.
#[inline]
unsafe fn indirect(cx: &Cx, fp: Regs, ty: u32, table: u16, c: Slot) -> Result<usize, TrapCode> {
    let t = cx.table_index(u32::from(table));
    // SAFETY: this function's contract.
    let i = unsafe { fp.r(c) } as u32 as usize;
    let raw = *cx.store.tables[t].elems.get(i).ok_or(TrapCode::TableOutOfBounds)?;
    if raw == 0 {
        return Err(TrapCode::IndirectCallToNull);
    }
    let fid = raw as usize - 1;
    let want = cx.module.get().type_ids[ty as usize];
    if cx.store.funcs[fid].type_id() != want {
        return Err(TrapCode::BadSignature);
    }
    Ok(fid)
}

/// `call_internal` for the cases its fast path leaves: the callee's first call (translated
/// now), a frame stack or value stack to grow (or at its limit), more than
/// `frames::ZEROED_AT_ONCE` locals to zero.
///
/// # Safety
/// As for a handler of the `CallInternal` op at `ip`.
#[inline(never)]
#[cfg_attr(target_os = "linux", link_section = ".text.hot.tessera_handlers")]
unsafe fn call_internal_slow(ip: *const Op, fp: Regs, cx: &mut Cx, acc: u64) -> Flow {
    let Instr::CallInternal { f, base } = (unsafe { *ip }).instr else {
        // SAFETY: only `call_internal` calls this, with its own op.
        unsafe { std::hint::unreachable_unchecked() }
    };
    let _ = (fp, acc);
    let callee = match compiled_in(cx.module.get(), f) {
        Some(callee) => callee,
        None => match translate_callee(cx, ip, f) {
            Some(callee) => callee,
            None => return cx.stopped(),
        },
    };
    if cx.frames.len() + 1 >= cx.max_frames {
        return cx.trap(ip, TrapCode::StackOverflow);
    }
    let new_bp = cx.pos.bp + base as usize;
    if let Err(code) = enter_frame(&mut cx.regs, cx.max_slots, new_bp, callee.get()) {
        return cx.trap(ip, code);
    }
    if cx.frames.len() == cx.frames.capacity() {
        cx.frames.reserve(1);
    }
    cx.update_frame_limit();
    // SAFETY: `frames` has room for one more (reserved just now).
    unsafe { push_frame(cx, ip, callee, f, new_bp) }
}

/// The end of a call within the running instance: pushes the caller's [`Frame`] (to resume
/// after the call at `ip`) and continues with the first op of `callee`, function `f`, in
/// the frame at `new_bp`.
///
/// # Safety
/// `frames` has spare capacity; `regs` has room for `callee`'s frame at `new_bp` (after
/// `enter_frame`), and `ip` is a call op of the running code.
#[inline(always)]
unsafe fn push_frame(cx: &mut Cx, ip: *const Op, callee: CodeRef, f: u32, new_bp: usize) -> Flow {
    // SAFETY: a call is never the last op (verify), so the next op is in the code.
    let resume = unsafe { ip.add(1) };
    let pos = &mut cx.pos;
    let frame = Frame { func: pos.cf, resume, bp: pos.bp, inst: cx.inst, index: pos.index, mem0: cx.mem0 };
    let len = cx.frames.len();
    // SAFETY: this function's contract: `len < capacity`.
    unsafe {
        cx.frames.as_mut_ptr().add(len).write(frame);
        cx.frames.set_len(len + 1);
    }
    pos.cf = callee;
    pos.bp = new_bp;
    pos.index = f;
    cx.code = callee.get().code.as_ptr();
    // SAFETY: `enter_frame` made `regs` at least `new_bp + frame_slots` long.
    let fp = unsafe { Regs::at(&mut cx.regs, new_bp) };
    // No function's first op reads the accumulator (`thread` starts with none).
    next!(cx.code, fp, cx, 0)
}

/// The code of function `f` of the running instance, translated now (its first call); or
/// `None`, the frame stopped with the reason, if it cannot be translated.
///
/// Out of line and with a pointer-sized result: a `Result<_, Error>` in `call_internal`
/// would live in a stack slot whose address the call takes, and that keeps the handler's
/// continuation from being a jump.
#[cold]
#[inline(never)]
fn translate_callee(cx: &mut Cx, ip: *const Op, f: u32) -> Option<CodeRef> {
    match compiled(cx.store, cx.inst, f) {
        Ok(callee) => Some(callee),
        Err(e) => {
            // SAFETY: `ip` is an op of the running code, so one past it is in or one past
            // the end.
            cx.stop(unsafe { ip.add(1) }, Next::Untranslatable(e));
            None
        }
    }
}
