//! Frames: the running code reference, frame set-up, and backtraces.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::Frame;
use crate::error::{Error, FrameInfo, Result, TrapCode};
use crate::module::ModuleInner;
use crate::store::StoreInner;
use crate::translate::CompiledFunc;

/// A function's translated code, as the interpreter holds it while running: a plain pointer,
/// so calls and returns cost no reference-count traffic (measured: `benches/run.sh`, fib).
///
/// The code is owned by an `Arc` in its module's `compiled` table, a `OnceLock` that is set
/// once and never cleared; the module is owned by an instance in the store; instances are
/// never removed from a store; and `run` holds `&mut Store` for as long as any `CodeRef`
/// exists (they never leave `run`). So the pointee outlives every `CodeRef`.
#[derive(Copy, Clone)]
pub(super) struct CodeRef(*const CompiledFunc);

impl CodeRef {
    #[inline(always)]
    pub(super) fn get<'a>(self) -> &'a CompiledFunc {
        // SAFETY: see the type's documentation — the pointee lives as long as the store,
        // which outlives the `run` call this reference is used in.
        unsafe { &*self.0 }
    }
}

/// The code of function `index` (a defined one) of instance `inst`, translating it first if
/// this is its first call.
#[inline]
pub(super) fn compiled(s: &StoreInner, inst: u32, index: u32) -> Result<CodeRef> {
    match compiled_ready(s, inst, index) {
        Some(code) => Ok(code),
        None => {
            let m = &s.instances[inst as usize].module;
            translate_now(m, index - m.num_imported_funcs)
        }
    }
}

/// The code of function `index` of instance `inst` if it is already translated.
#[inline(always)]
pub(super) fn compiled_ready(s: &StoreInner, inst: u32, index: u32) -> Option<CodeRef> {
    compiled_in(&s.instances[inst as usize].module, index)
}

/// The code of function `index` of module `m` if it is already translated.
#[inline(always)]
pub(super) fn compiled_in(m: &ModuleInner, index: u32) -> Option<CodeRef> {
    let code = m.code_ptrs.get(index.wrapping_sub(m.num_imported_funcs) as usize)?.load(Ordering::Acquire);
    // A non-null pointer is the code in `m.compiled`, published with `Release` after it was
    // set (see `ModuleInner::code_ptrs`).
    (!code.is_null()).then_some(CodeRef(code))
}

/// A module, as the interpreter holds the running instance's while running a frame: a plain
/// pointer, for the same reason and with the same lifetime argument as [`CodeRef`] (the
/// module is owned by an instance, which is never removed from its store, and `run` holds
/// `&mut Store` throughout).
#[derive(Copy, Clone)]
pub(super) struct ModuleRef(*const ModuleInner);

impl ModuleRef {
    pub(super) fn of(s: &StoreInner, inst: u32) -> ModuleRef {
        ModuleRef(Arc::as_ptr(&s.instances[inst as usize].module))
    }

    #[inline(always)]
    pub(super) fn get<'a>(self) -> &'a ModuleInner {
        // SAFETY: see the type's documentation.
        unsafe { &*self.0 }
    }
}

#[cold]
#[inline(never)]
fn translate_now(m: &ModuleInner, defined: u32) -> Result<CodeRef> {
    let code = m.compiled_func_ref(defined).map_err(Error::from)?;
    Ok(CodeRef(Arc::as_ptr(code)))
}

pub(super) fn mem0_of(s: &StoreInner, inst: u32) -> usize {
    s.instances[inst as usize].memories.first().map_or(usize::MAX, |m| *m as usize)
}

/// Slots the value stack keeps beyond the top frame, so that a call can zero up to this many
/// declared locals with a few fixed-size stores (see [`enter_frame_fast`]) instead of a
/// `memset` call: the stores may run past the callee's locals into its scratch slots and
/// this margin, which hold nothing live.
pub(super) const ZEROED_AT_ONCE: usize = 16;

/// Functions with at most this many declared local slots get a shorter store.
const ZEROED_SHORT: usize = 4;

/// Makes room for a frame of `func` at `bp` and zeroes its declared locals.
///
/// # Errors
/// [`TrapCode::StackOverflow`] if the frame would end beyond `max` slots.
#[inline]
pub(super) fn enter_frame(
    regs: &mut Vec<u64>,
    max: usize,
    bp: usize,
    func: &CompiledFunc,
) -> Result<(), TrapCode> {
    let end = bp + func.frame_slots as usize;
    if end > max {
        return Err(TrapCode::StackOverflow);
    }
    if regs.len() < end + ZEROED_AT_ONCE {
        grow_regs(regs, end + ZEROED_AT_ONCE);
    }
    // Most functions declare no locals beyond their parameters: no call to `memset` then.
    if func.local_slots > func.param_slots {
        regs[bp + func.param_slots as usize..bp + func.local_slots as usize].fill(0);
    }
    Ok(())
}

/// [`enter_frame`] for the common case, with nothing that calls out: the value stack is
/// already long enough and the function declares at most [`ZEROED_AT_ONCE`] local slots.
/// Returns `false`, having done nothing, otherwise.
///
/// No call keeps the interpreter's call handler free of register saves. Needs no stack
/// limit check: `regs` grows past `max` only through [`enter_frame`] (to at most
/// `max + ZEROED_AT_ONCE`; the arguments `exec::call` pushes and the results of a host call
/// land inside frames `enter_frame` checked), so a frame that ends `ZEROED_AT_ONCE` slots
/// before its end is within `max`.
#[inline(always)]
pub(super) fn enter_frame_fast(regs: &mut [u64], bp: usize, func: &CompiledFunc) -> bool {
    let zero_from = bp + func.param_slots as usize;
    let locals = usize::from(func.local_slots - func.param_slots);
    if bp + func.frame_slots as usize + ZEROED_AT_ONCE > regs.len() || locals > ZEROED_AT_ONCE {
        return false;
    }
    // Cannot fail: `param_slots <= frame_slots`, so both ranges end within `regs`.
    if locals <= ZEROED_SHORT {
        if let Some(slots) = regs.get_mut(zero_from..zero_from + ZEROED_SHORT) {
            slots.copy_from_slice(&[0; ZEROED_SHORT]);
        }
    } else if let Some(slots) = regs.get_mut(zero_from..zero_from + ZEROED_AT_ONCE) {
        slots.copy_from_slice(&[0; ZEROED_AT_ONCE]);
    }
    true
}

/// The value stack grows rarely (it is kept between calls): out of the call path.
#[cold]
#[inline(never)]
fn grow_regs(regs: &mut Vec<u64>, len: usize) {
    regs.resize(len, 0);
}

pub(super) fn backtrace(s: &StoreInner, frames: &[Frame], inst: u32, index: u32) -> Vec<FrameInfo> {
    let info = |inst: u32, index: u32| {
        let m = &s.instances[inst as usize].module;
        FrameInfo {
            func_index: index,
            func_name: m.names().funcs.get(&index).cloned(),
            module_name: m.names().module.clone(),
        }
    };
    let mut out = vec![info(inst, index)];
    out.extend(frames.iter().rev().map(|f| info(f.inst, f.index)));
    out
}
