//! How the interpreter gets from one instruction to the next.
//!
//! Every translated instruction is an [`Op`]: the [`Instr`] with the address of its handler,
//! chosen once by [`thread`] when the function is translated. A handler does its instruction's
//! work and then, in optimised builds (`cfg(tessera_threaded)`, set by `build.rs`, and no
//! debug assertions, checked here too because older cargo does not tell build scripts), calls the
//! next op's handler in tail position, which LLVM compiles to a jump: each handler ends in its
//! own indirect jump (direct threading), the instruction and frame pointers stay in argument
//! registers, and nothing returns until the frame calls out, returns out or traps. Unoptimised
//! builds, where that call would not become a jump and would take host stack per instruction,
//! have each handler return the next op to a loop in [`run_frame`] instead; the handlers are
//! the same code.
//!
//! Besides the op and the frame, handlers pass each other an accumulator: a producer (an
//! instruction computing one 64-bit value into a slot) also hands that value to the next
//! handler in a register, and an instruction that reads the slot the op before it just
//! produced takes the value from there instead of from memory. That keeps a chain of
//! dependent instructions from waiting on a store and a reload at every step.
//!
//! Calls and returns between functions of the running instance stay inside the handlers;
//! anything else (host functions, other instances, indirect calls) ends [`run_frame`] with a
//! [`Next`] for [`super::run`].

use super::frames::{CodeRef, ModuleRef};
use super::handlers;
use super::memory::MemView;
use crate::error::{Error, TrapCode};
use crate::ir::{Instr, Slot};
use crate::store::{GlobalEntity, StoreInner};

use super::Frame;

/// A translated instruction and the handler that runs it.
#[derive(Copy, Clone)]
pub(crate) struct Op {
    pub(super) handler: Handler,
    pub(crate) instr: Instr,
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.instr.fmt(f)
    }
}

/// Runs the op at `ip` (and, threaded, everything after it until the frame stops).
///
/// # Safety
/// `ip` points at an op of the code `cx.code` starts, whose handler this is; `fp` points at
/// the running frame's slots, at least `frame_slots` of them; the code passed
/// `translate::verify`.
///
/// `acc` is the accumulator: the value the op before this one wrote to its result slot, if
/// that op is a producer (see [`thread`]); otherwise unspecified.
pub(super) type Handler = unsafe fn(ip: *const Op, fp: Regs, cx: &mut Cx, acc: u64) -> Flow;

/// What a handler hands back: the next op and frame (unthreaded builds), or a null op when
/// the frame stops, the reason being in [`Cx::next`].
pub(super) type Flow = (*const Op, Regs);

/// The [`Flow`] of a frame that has stopped ([`Cx::stop`] has recorded why).
pub(super) const STOPPED: Flow = (std::ptr::null(), Regs(std::ptr::null_mut()));

/// Continues with the op at `$ip` in frame `$fp` and accumulator `$acc`: jumps to its handler
/// (threaded) or returns it to the loop in [`run_frame`] (the accumulator kept in the `Cx`).
macro_rules! next {
    ($ip:expr, $fp:expr, $cx:expr, $acc:expr) => {{
        let ip: *const $crate::exec::dispatch::Op = $ip;
        #[cfg(all(tessera_threaded, not(debug_assertions)))]
        {
            // SAFETY: the caller passes an op of the running code (see `Handler`).
            #[allow(unused_unsafe)]
            return unsafe { ((*ip).handler)(ip, $fp, $cx, $acc) };
        }
        #[cfg(not(all(tessera_threaded, not(debug_assertions))))]
        {
            $cx.acc = $acc;
            return (ip, $fp);
        }
    }};
}
pub(super) use next;

/// The running frame's slots.
///
/// Reads and writes are unchecked: the code passed `translate::verify`, which checked that
/// every slot an instruction names, and the slot after it, is below the frame's
/// `frame_slots`, and a `Regs` is only made for a frame with that many slots.
#[derive(Copy, Clone)]
#[repr(transparent)]
pub(super) struct Regs(*mut u64);

impl Regs {
    /// # Safety
    /// `s` is below the frame's `frame_slots` (verified for every slot an instruction names).
    #[inline(always)]
    pub(super) unsafe fn r(self, s: Slot) -> u64 {
        // SAFETY: see the function's contract.
        unsafe { *self.0.add(s as usize) }
    }

    /// # Safety
    /// As for [`Regs::r`].
    #[inline(always)]
    pub(super) unsafe fn w(self, s: Slot, v: u64) {
        // SAFETY: see the function's contract.
        unsafe { *self.0.add(s as usize) = v }
    }

    /// A `v128` in slots `s` and `s + 1`.
    ///
    /// # Safety
    /// `s + 1` is below the frame's `frame_slots` (verified for every slot an instruction
    /// names).
    #[inline(always)]
    pub(super) unsafe fn rv(self, s: Slot) -> u128 {
        // SAFETY: see the function's contract.
        unsafe { u128::from(self.r(s)) | (u128::from(self.r(s + 1)) << 64) }
    }

    /// # Safety
    /// As for [`Regs::rv`].
    #[inline(always)]
    pub(super) unsafe fn wv(self, s: Slot, v: u128) {
        // SAFETY: see the function's contract.
        unsafe {
            self.w(s, v as u64);
            self.w(s + 1, (v >> 64) as u64);
        }
    }

    /// The frame starting at slot `bp` of `regs`.
    ///
    /// # Safety
    /// `regs` is at least `bp + frame_slots` long for the code run in this frame, and is not
    /// reallocated while the `Regs` is used.
    #[inline(always)]
    pub(super) unsafe fn at(regs: &mut [u64], bp: usize) -> Regs {
        // SAFETY: see the function's contract; `bp` is at most `regs.len()`.
        Regs(unsafe { regs.as_mut_ptr().add(bp) })
    }
}

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
    Untranslatable(Error),
    Trap(TrapCode),
}

/// The running frame, handed back and forth between [`super::run`] and [`run_frame`].
#[derive(Copy, Clone)]
#[repr(C)]
pub(super) struct Position {
    pub(super) cf: CodeRef,
    pub(super) bp: usize,
    pub(super) index: u32,
    pub(super) inst: u32,
    pub(super) pc: usize,
    /// Store index of the instance's memory 0 (`usize::MAX` for none).
    pub(super) mem0: usize,
}

/// The value stack and the suspended callers of one `run` (lent to [`run_frame`]).
pub(super) struct Stack<'a> {
    pub(super) regs: &'a mut Vec<u64>,
    pub(super) frames: &'a mut Vec<Frame>,
    /// Frames this run may push before the call depth limit.
    pub(super) max_frames: usize,
    pub(super) max_slots: usize,
}

/// Everything a handler may need besides its op and frame; one pointer in a register.
///
/// The value stack, the frame stack and the running frame's position are held here by value
/// while [`run_frame`] runs (taken from [`Stack`] and [`Position`] and put back when it ends),
/// so that calls and returns reach them with one load from the context, not two or three.
///
/// `repr(C)`, the fields most handlers use first: those within the first 128 bytes are
/// reached with a one-byte displacement, which keeps the handlers short.
#[repr(C)]
pub(super) struct Cx<'s> {
    /// Memory 0 of the running instance; retaken after anything that reaches memory
    /// through the store.
    pub(super) view: MemView,
    /// The first op of the running function (branch targets are indices from here).
    pub(super) code: *const Op,
    pub(super) store: &'s mut StoreInner,
    pub(super) regs: Vec<u64>,
    pub(super) frames: Vec<Frame>,
    /// `frames` may grow in place (no reallocation) and within the call depth limit while it
    /// is shorter than this: `min(capacity, max_frames - 1)`.
    pub(super) frame_limit: usize,
    /// The running instance, its module and its memory 0 (calls that stay in the handlers
    /// stay in it).
    pub(super) module: ModuleRef,
    /// The running instance's globals: `store.globals` and the instance's index table into
    /// it (see [`Cx::global`]).
    globals: *mut GlobalEntity,
    global_ids: *const u32,
    /// The running frame (`pos.inst` and `pos.mem0` are `inst` and `mem0` throughout).
    pub(super) pos: Position,
    pub(super) inst: u32,
    pub(super) mem0: usize,
    pub(super) max_frames: usize,
    pub(super) max_slots: usize,
    /// Why the frame stopped (set with a null op).
    pub(super) next: Next,
    /// Always [`STOPPED`]; what [`Cx::stop`] returns. Read from memory rather than written
    /// as a constant: with a constant, LLVM (under LTO) sees that a handler's trap path
    /// returns it, merges that return with the handler's jump to the next op, and the jump
    /// becomes a call that takes host stack per instruction.
    stopped: Flow,
    /// The accumulator between handlers in unthreaded builds (threaded, it is an argument).
    #[cfg_attr(all(tessera_threaded, not(debug_assertions)), allow(dead_code))]
    pub(super) acc: u64,
}

impl Cx<'_> {
    /// Stops the frame for `next`, to continue at `ip` (just past the op that stopped it).
    ///
    /// Inline, with `next` written in place: passed out of line, the enum went through the
    /// stack and its reload missed store forwarding (a sixth of a host call's time).
    #[inline(always)]
    pub(super) fn stop(&mut self, ip: *const Op, next: Next) -> Flow {
        // SAFETY: `ip` and `code` point into (or one past) the same code array.
        self.pos.pc = unsafe { ip.offset_from(self.code) } as usize;
        // Written without dropping the old value: a frame stops once, so the old value is
        // the `Return` that `run_frame` starts with, which owns nothing; and drop glue here
        // (for the `Error` an `Untranslatable` holds) would keep the handler's continuation
        // from being a jump.
        debug_assert!(matches!(self.next, Next::Return), "a frame stops once");
        // SAFETY: `&mut self.next` is valid for writes.
        unsafe { std::ptr::write(&mut self.next, next) };
        self.stopped()
    }

    /// [`STOPPED`], for a handler whose frame something it called has stopped. Out of line,
    /// so that the handler returns a call's result, never a constant (see `stopped`).
    #[inline(never)]
    pub(super) fn stopped(&self) -> Flow {
        self.stopped
    }

    /// Stops the frame with a trap raised by the op at `ip`.
    #[cold]
    #[inline(never)]
    pub(super) fn trap(&mut self, ip: *const Op, code: TrapCode) -> Flow {
        // SAFETY: `ip` is an op of the running code, so one past it is in or one past the end.
        self.stop(unsafe { ip.add(1) }, Next::Trap(code))
    }

    /// Recomputes [`Cx::frame_limit`] (after `frames` grew).
    pub(super) fn update_frame_limit(&mut self) {
        self.frame_limit = self.frames.capacity().min(self.max_frames.saturating_sub(1));
    }

    /// Retakes the view of memory 0 after an instruction reached memory through the store.
    #[inline]
    pub(super) fn refresh_mem(&mut self) {
        self.view = mem_view(self.store, self.mem0);
    }

    /// Store index of memory `m` of the running instance.
    #[inline]
    pub(super) fn mem_index(&self, m: u16) -> usize {
        if m == 0 {
            self.mem0
        } else {
            self.store.instances[self.inst as usize].memories[m as usize] as usize
        }
    }

    #[inline]
    pub(super) fn table_index(&self, t: u32) -> usize {
        self.store.instances[self.inst as usize].tables[t as usize] as usize
    }

    /// Global `g` of the running instance.
    ///
    /// # Safety
    /// `g` is a global index of the running instance's module (validated for every global
    /// an instruction names).
    #[inline(always)]
    pub(super) unsafe fn global(&mut self, g: u32) -> &mut GlobalEntity {
        // SAFETY: the instance's index table has an entry per global of its module, each an
        // index into `store.globals`; neither is reallocated while the frame runs (no host
        // code runs inside `run_frame`, and handlers create no globals or instances), and
        // nothing else borrows `store.globals` meanwhile.
        unsafe { &mut *self.globals.add(*self.global_ids.add(g as usize) as usize) }
    }
}

/// Runs the frame at `pos` until it calls something other than a function defined in its own
/// module, returns to a caller in another instance (or to the host), or traps. Calls between
/// functions of one instance and their returns stay in the handlers. On a call or return,
/// leaves in `pos` the frame to continue with and where.
///
/// # Safety
/// `stack.regs` must be at least `pos.bp + frame_slots` of `pos.cf`'s code long, and `pos.pc`
/// must be 0 or a point this function left for the same code (in `pos` or a [`Frame`]).
pub(super) unsafe fn run_frame(store: &mut StoreInner, stack: &mut Stack, pos: &mut Position) -> Next {
    let code = pos.cf.get().code.as_ptr();
    let view = mem_view(store, pos.mem0);
    let (inst, mem0) = (pos.inst, pos.mem0);
    let module = ModuleRef::of(store, inst);
    let mut cx = Cx {
        store,
        regs: std::mem::take(stack.regs),
        frames: std::mem::take(stack.frames),
        frame_limit: 0,
        max_frames: stack.max_frames,
        max_slots: stack.max_slots,
        pos: *pos,
        code,
        view,
        inst,
        module,
        globals: std::ptr::null_mut(),
        global_ids: std::ptr::null(),
        mem0,
        next: Next::Return,
        stopped: STOPPED,
        acc: 0,
    };
    cx.update_frame_limit();
    cx.global_ids = cx.store.instances[inst as usize].globals.as_ptr();
    cx.globals = cx.store.globals.as_mut_ptr();
    // SAFETY: this function's contract.
    let (mut ip, mut fp) = unsafe { (code.add(pos.pc), Regs::at(&mut cx.regs, pos.bp)) };
    while !ip.is_null() {
        // SAFETY: `ip` is the op to run next in frame `fp` (this function's contract for the
        // first; each handler's for the ones it returns).
        let acc = cx.acc;
        (ip, fp) = unsafe { ((*ip).handler)(ip, fp, &mut cx, acc) };
    }
    *stack.regs = cx.regs;
    *stack.frames = cx.frames;
    *pos = cx.pos;
    cx.next
}

/// The view of memory `mem0` (a store memory index, `usize::MAX` for none); see [`MemView`].
pub(super) fn mem_view(s: &mut StoreInner, mem0: usize) -> MemView {
    s.memories.get_mut(mem0).map_or(MemView::NONE, |m| MemView::of(&mut m.data))
}

/// A function's instructions with their handlers: the last step of translation.
///
/// Here the accumulator is decided: an instruction that reads the slot the instruction just
/// before it produced gets the handler form that takes the value from the accumulator
/// instead, unless it is a branch target (reached from elsewhere, the accumulator holds
/// something else). Producers also write their slot, so the slot stays right for every other
/// reader; frames resume only after calls, which are not producers.
pub(crate) fn thread(code: Vec<Instr>) -> Box<[Op]> {
    let mut target = vec![false; code.len()];
    for instr in &code {
        if let Some(t) = instr.target() {
            target[t as usize] = true;
        }
    }
    let mut prev: Option<Slot> = None;
    let mut ops = Vec::with_capacity(code.len());
    for (pc, mut instr) in code.into_iter().enumerate() {
        let acc = if target[pc] { None } else { prev };
        let handler = handlers::handler_for(&mut instr, acc);
        prev = handlers::produces(&instr);
        ops.push(Op { handler, instr });
    }
    ops.into_boxed_slice()
}
