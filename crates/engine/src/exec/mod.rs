//! Stage 4 of the pipeline: the interpreter.
//!
//! One loop runs every guest frame of a call: a guest-to-guest call pushes a [`Frame`] on
//! an explicit stack and continues, so guest recursion never grows the host stack.
//! [`dispatch::run_frame`] runs the instructions (each handler jumping to the next; calls
//! and returns between functions of one instance stay there) until the running code calls
//! the host or another instance, returns out of the instance, or traps; this loop does those.
//! Frames live in one `Vec<u64>` of slots; a callee's frame starts where its caller placed
//! the arguments, so arguments are never copied and results land where the caller expects.

mod dispatch;
mod frames;
mod handlers;
mod memory;
mod num;

pub(crate) use dispatch::{thread, Op};
use dispatch::{Next, Position, Stack};
use frames::{backtrace, compiled, enter_frame, mem0_of, CodeRef};

use crate::error::{Error, Result, Trap, TrapCode};
use crate::func::Caller;
use crate::instance::Instance;
use crate::store::{Func, FuncEntity, Store};
use crate::value::{Val, ValType};

/// How deeply host functions may re-enter the guest (each re-entry uses host stack).
const MAX_REENTRY: usize = 100;

/// A suspended caller.
#[derive(Copy, Clone)]
struct Frame {
    /// See [`CodeRef`].
    func: CodeRef,
    /// Where the caller resumes: an op of `func`'s code (a pointer, so that returning needs
    /// no index arithmetic).
    resume: *const Op,
    bp: usize,
    inst: u32,
    index: u32,
    mem0: usize,
}

impl Frame {
    /// The index of the op the caller resumes at.
    fn pc(&self) -> usize {
        // SAFETY: `resume` was made from an op of `func`'s code (or one past its end).
        unsafe { self.resume.offset_from(self.func.get().code.as_ptr()) as usize }
    }
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
    let store_id = store.inner.id;
    let outcome = run(store, &mut regs, inst, index);
    if store.inner.id != store_id {
        // A host function replaced the store; `run` stopped at once, and nothing here
        // belongs to the store now in its place.
        return outcome.and(Err(store_replaced()));
    }
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

/// The error when a host function replaced the store it was called with (through
/// `Caller::store`): the running code belongs to the old store, so the call cannot go on.
fn store_replaced() -> Error {
    Error::BadArguments(
        "a host function replaced the store it was called with; the call was abandoned".into(),
    )
}

/// Runs function `index` of instance `inst` whose arguments are in `regs[0..]`.
fn run<T>(store: &mut Store<T>, regs: &mut Vec<u64>, mut inst: u32, mut index: u32) -> Result<()> {
    let max_depth = store.inner.engine.config().max_call_depth;
    let max_slots = store.inner.engine.config().max_stack_slots;
    let depth_base = store.inner.depth;
    let store_id = store.inner.id;
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
                        let resume = caller.get().code.as_ptr().wrapping_add(pc);
                        frames.push(Frame { func: caller, resume, bp, inst, index, mem0 });
                    }
                    bp = new_bp;
                    pc = 0;
                    inst = ci;
                    index = cidx;
                    mem0 = ci_mem0;
                }
                FuncEntity::Host { host, .. } => {
                    // Cloned, not borrowed: the host function gets `&mut Store` and may
                    // replace the whole store, dropping the entry while it runs.
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
                    if store.inner.id != store_id {
                        // `frames`, `cf` and the rest point into the replaced store.
                        return Err(store_replaced());
                    }
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
                                pc = f.pc();
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

    let max_frames = max_depth.saturating_sub(depth_base);
    loop {
        let mut pos = Position { cf, pc, bp, inst, index, mem0 };
        let mut stack = Stack { regs: &mut *regs, frames: &mut frames, max_frames, max_slots };
        // SAFETY: `enter_frame` made `regs` at least `bp + frame_slots` long when this frame
        // started, and `regs` never shrinks while `run` runs; `pc` is 0 or where `run_frame`
        // left it for this frame.
        let next = unsafe { dispatch::run_frame(&mut store.inner, &mut stack, &mut pos) };
        (cf, pc, bp, inst, index, mem0) = (pos.cf, pos.pc, pos.bp, pos.inst, pos.index, pos.mem0);
        match next {
            Next::Return => match frames.pop() {
                None => return Ok(()),
                Some(f) => {
                    cf = f.func;
                    pc = f.pc();
                    bp = f.bp;
                    inst = f.inst;
                    index = f.index;
                    mem0 = f.mem0;
                }
            },
            Next::Call { fid, base, tail } => call_func!(fid, base, tail),
            Next::Untranslatable(e) => return Err(e),
            Next::Trap(code) => trap!(code),
        }
    }
}
