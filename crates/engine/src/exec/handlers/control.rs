//! Control: fuel and interrupts, branches, calls and returns.

use super::{handlers, or_trap};
use crate::error::TrapCode;
use crate::exec::dispatch::{next, Cx, Next, Op, Regs};
use crate::exec::frames::CodeRef;
use crate::exec::frames::{compiled, compiled_in, enter_frame};
use crate::exec::Frame;
use crate::ir::{CmpOp, Slot};

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
        let Some(&caller) = cx.stack.frames.last().filter(|f| f.inst == cx.inst) else {
            return cx.stop(ip.add(1), Next::Return);
        };
        cx.stack.frames.pop();
        cx.pos.cf = caller.func;
        cx.pos.bp = caller.bp;
        cx.pos.index = caller.index;
        cx.code = caller.func.get().code.as_ptr();
        // SAFETY: a frame's `resume` is an op of its code (the one after its call, never the
        // last), and the caller's slots are still in `regs`, which never shrinks.
        let fp = unsafe { Regs::at(cx.stack.regs, caller.bp) };
        next!(caller.resume, fp, cx, acc);
    }
    call = Call { f, base } => {
        let fid = cx.store.instances[cx.inst as usize].funcs[f as usize] as usize;
        return cx.stop(ip.add(1), Next::Call { fid, base, tail: false });
    }
    call_internal = CallInternal { f, base } => {
        // Suspends this frame (resuming after this op) and enters function `f` of the
        // running instance with its arguments at slot `base`. Every way out other than the
        // jump into the callee returns what an out-of-line call returned (see `Cx::stopped`).
        let callee = match compiled_in(cx.module.get(), f) {
            Some(callee) => callee,
            None => match translate_callee(cx, ip, f) {
                Some(callee) => callee,
                None => return cx.stopped(),
            },
        };
        if cx.stack.frames.len() + 1 >= cx.stack.max_frames {
            return cx.trap(ip, TrapCode::StackOverflow);
        }
        let new_bp = cx.pos.bp + base as usize;
        if let Err(code) = enter_frame(cx.stack.regs, cx.stack.max_slots, new_bp, callee.get()) {
            return cx.trap(ip, code);
        }
        // SAFETY: a call is never the last op (verify), so the next op is in the code.
        let resume = unsafe { ip.add(1) };
        let pos = &mut *cx.pos;
        cx.stack.frames.push(Frame { func: pos.cf, resume, bp: pos.bp, inst: cx.inst, index: pos.index, mem0: cx.mem0 });
        pos.cf = callee;
        pos.bp = new_bp;
        pos.index = f;
        cx.code = callee.get().code.as_ptr();
        // SAFETY: `enter_frame` just made `regs` at least `new_bp + frame_slots` long.
        let fp = unsafe { Regs::at(cx.stack.regs, new_bp) };
        next!(cx.code, fp, cx, acc);
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
