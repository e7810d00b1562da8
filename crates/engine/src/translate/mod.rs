//! Stage 2 of the pipeline: a validated function body → register IR ([`CompiledFunc`]).
//!
//! The translator simulates the Wasm operand stack. Each stack entry has a *home* slot fixed
//! by its depth (`locals + depth`), but may live elsewhere until something forces it home:
//! `local.get` pushes a reference to the local's own slot and a constant stays an immediate.
//! Entries are forced home ("materialised") when a control construct begins, when the local
//! they alias is about to be overwritten, or when they become call arguments. With homes fixed
//! by depth, the results of a block always land in the same slots on every path, so
//! branches need only copy what is not already in place.
//!
//! The input has already been validated, so the translator trusts it: an unexpected shape is
//! a bug and is reported as an error rather than a panic.

mod ops;
mod verify;

use crate::exec::{thread, Op};
use crate::ir::{Instr, Slot, Target, UnOp};
use crate::module::{CodeError, ModuleInner};
use crate::value::ValType;

/// A translated function, shared by every instance of its module.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    /// The instructions, each with its handler (`exec::thread`).
    pub(crate) code: Box<[Op]>,
    /// Slots taken by parameters.
    pub(crate) param_slots: u16,
    /// Slots taken by parameters and declared locals (declared locals start zeroed).
    pub(crate) local_slots: u16,
    /// Slots the frame needs in all: locals, the deepest operand stack, and one spare slot so
    /// that every slot an instruction names has a successor inside the frame (a `v128` takes
    /// two; see `verify`).
    pub(crate) frame_slots: u32,
    /// `v128` constants and shuffle lane masks referenced by index.
    pub(crate) consts: Box<[u128]>,
    /// `(memory, offset)` pairs for instructions with no room for them inline.
    pub(crate) memargs: Box<[(u16, u32)]>,
}

/// Where a stack entry's value is right now.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Loc {
    /// In its home slot.
    Home,
    /// Still in local `n`'s slot.
    Local(Slot),
    /// Not yet written anywhere; these are its bits.
    Const(u64),
}

#[derive(Copy, Clone, Debug)]
struct Operand {
    ty: ValType,
    home: Slot,
    loc: Loc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum CtrlKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Ctrl {
    kind: CtrlKind,
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// Operand-stack length at entry, below the block's parameters.
    height: usize,
    /// First slot of the block's parameters and results.
    slot: Slot,
    /// Loop header, for branches to a loop.
    header: Target,
    /// Forward branches to patch with the end label.
    patches: Vec<usize>,
    /// An `if`'s branch to its `else` arm, patched when that arm starts.
    else_patch: Option<usize>,
    /// For an `if` with parameters: where the caller's copy of the parameters lives, so
    /// the `else` arm can start from them, and where results must move after `end`.
    saved_params: Option<Slot>,
    unreachable: bool,
}

pub(crate) struct Translator<'m> {
    module: &'m ModuleInner,
    code: Vec<Instr>,
    consts: Vec<u128>,
    memargs: Vec<(u16, u32)>,
    local_slot: Vec<Slot>,
    local_ty: Vec<ValType>,
    num_local_slots: u32,
    stack: Vec<Operand>,
    /// Slots used by the operand stack right now.
    height: u32,
    max_height: u32,
    ctrl: Vec<Ctrl>,
    /// The instruction that produced the top operand, while nothing else happened since.
    last_result: Option<usize>,
    /// Where the last label was bound: a jump may land on any instruction from here on, so
    /// peepholes that merge instructions may not reach back before it.
    label_pc: usize,
    /// The current `Fuel` instruction, charged one unit per operator that follows it.
    fuel: Option<usize>,
    consume_fuel: bool,
    interruptible: bool,
    /// Nesting of blocks opened inside unreachable code (skipped without translation).
    skip_depth: u32,
}

type TResult<T = ()> = Result<T, String>;

fn too_large() -> String {
    "function frame needs more than 65535 slots".to_string()
}

/// The validator of a body whose validation was deferred to its first call (see
/// [`crate::Config::lazy_validation`]), run over the operators as they are translated.
pub(crate) type BodyValidator = wasmparser::FuncValidator<wasmparser::ValidatorResources>;

/// Translates defined function `defined` of `module`; with `validator`, also validates the
/// body in the same pass over its operators (one decode instead of two).
///
/// Each operator is validated before it is translated, so the translator only ever sees a
/// valid prefix of the body.
///
/// # Errors
/// [`CodeError::Invalid`] if the validator rejects the body (anywhere in it: a body the
/// translator gives up on is still validated to its end, so an invalid body is always
/// reported as invalid); otherwise [`CodeError::Unsupported`] if it exceeds a limit of the IR.
pub(crate) fn translate(
    module: &ModuleInner,
    defined: u32,
    mut validator: Option<&mut BodyValidator>,
) -> Result<CompiledFunc, CodeError> {
    let func_index = module.num_imported_funcs + defined;
    let invalid = |e| invalid_body(e, func_index);
    let ty = module.func_type(func_index).clone();
    let range = module.bodies[defined as usize].clone();
    let mut bytes = wasmparser::BinaryReader::new(&module.bytes[range.clone()], range.start as u64);
    if let Some(v) = &validator {
        // Decode with the validator's features, as `FuncValidator::validate` does.
        bytes.set_features(*v.features());
    }
    let body = wasmparser::FunctionBody::new(bytes);
    let mut t = Translator {
        module,
        code: Vec::new(),
        consts: Vec::new(),
        memargs: Vec::new(),
        local_slot: Vec::new(),
        local_ty: Vec::new(),
        num_local_slots: 0,
        stack: Vec::new(),
        height: 0,
        max_height: 0,
        ctrl: Vec::new(),
        last_result: None,
        label_pc: 0,
        fuel: None,
        consume_fuel: module.engine.config().consume_fuel,
        interruptible: module.engine.config().interruptible,
        skip_depth: 0,
    };
    for p in ty.params() {
        t.add_local(*p).map_err(CodeError::Unsupported)?;
    }
    let param_slots = t.num_local_slots as u16;
    // A translator error is kept while the validator reads on: an invalid body must be
    // reported as invalid even when the translator stopped first.
    let mut unsupported: Option<String> = None;
    let mut locals =
        body.get_locals_reader().map_err(|e| decode_error(e, validator.is_some(), func_index))?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (count, vt) = locals.read().map_err(|e| decode_error(e, validator.is_some(), func_index))?;
        if let Some(v) = validator.as_deref_mut() {
            v.define_locals(offset, count, vt).map_err(invalid)?;
        }
        if unsupported.is_some() {
            continue;
        }
        let Some(vt) = ValType::from_wasmparser(vt) else {
            unsupported = Some("unsupported local type".into());
            continue;
        };
        for _ in 0..count {
            if let Err(e) = t.add_local(vt) {
                unsupported = Some(e);
                break;
            }
        }
    }
    if let Some(e) = unsupported.take() {
        if let Some(v) = validator {
            validate_rest(v, wasmparser::OperatorsReader::new(locals.get_binary_reader()), func_index)?;
        }
        return Err(CodeError::Unsupported(e));
    }
    t.ctrl.push(Ctrl {
        kind: CtrlKind::Func,
        params: Vec::new(),
        results: ty.results().to_vec(),
        height: 0,
        slot: t.num_local_slots as Slot,
        header: 0,
        patches: Vec::new(),
        else_patch: None,
        saved_params: None,
        unreachable: false,
    });
    t.block_entry_checks(true);
    let mut reader = wasmparser::OperatorsReader::new(locals.get_binary_reader());
    while !reader.eof() {
        let offset = reader.original_position();
        // Matched in place, not through `?`/`map_err`: each of those moves the operator
        // (48 bytes, just written field by field) through another stack copy, and the
        // reloads miss store forwarding (measured: over half the translator's own time).
        let op = match reader.read() {
            Ok(op) => op,
            Err(e) => return Err(decode_error(e, validator.is_some(), func_index)),
        };
        if let Some(v) = validator.as_deref_mut() {
            if let Err(e) = v.op(offset, &op) {
                return Err(invalid(e));
            }
        }
        if let Err(e) = t.operator(op) {
            if let Some(v) = validator {
                validate_rest(v, reader, func_index)?;
            }
            return Err(CodeError::Unsupported(e));
        }
        if t.ctrl.is_empty() {
            break;
        }
    }
    if validator.is_some() {
        // Nothing may follow the function's `end`, and the body may not stop before it.
        reader.finish().map_err(invalid)?;
    }
    let frame = verify::FrameShape {
        param_slots,
        local_slots: t.num_local_slots as u16,
        frame_slots: t.num_local_slots + t.max_height + 1,
    };
    verify::verify(&t.code, &frame).map_err(CodeError::Unsupported)?;
    Ok(CompiledFunc {
        code: thread(t.code),
        param_slots: frame.param_slots,
        local_slots: frame.local_slots,
        frame_slots: frame.frame_slots,
        consts: t.consts.into_boxed_slice(),
        memargs: t.memargs.into_boxed_slice(),
    })
}

/// The validator's (or the decoder's) rejection of function `func_index`'s body.
fn invalid_body(e: wasmparser::BinaryReaderError, func_index: u32) -> CodeError {
    CodeError::Invalid(format!("function {func_index}: {e}"))
}

/// A body that does not decode: invalid if it is being validated now, else (it passed
/// validation at load) a translator bug, reported rather than trusted.
fn decode_error(e: wasmparser::BinaryReaderError, validating: bool, func_index: u32) -> CodeError {
    if validating {
        invalid_body(e, func_index)
    } else {
        CodeError::Unsupported(format!("function {func_index}: {e}"))
    }
}

/// Validates the operators left in `reader` (after the translator gave up on the body).
fn validate_rest(
    validator: &mut BodyValidator,
    mut reader: wasmparser::OperatorsReader<'_>,
    func_index: u32,
) -> Result<(), CodeError> {
    let invalid = |e| invalid_body(e, func_index);
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read().map_err(invalid)?;
        validator.op(offset, &op).map_err(invalid)?;
    }
    reader.finish().map_err(invalid)
}

impl Translator<'_> {
    fn add_local(&mut self, ty: ValType) -> TResult {
        let slot = Slot::try_from(self.num_local_slots).map_err(|_| too_large())?;
        self.local_slot.push(slot);
        self.local_ty.push(ty);
        self.num_local_slots += u32::from(ty.slots());
        if self.num_local_slots > u32::from(Slot::MAX) {
            return Err(too_large());
        }
        Ok(())
    }

    // ---------------------------------------------------------------- emission

    fn pc(&self) -> Target {
        self.code.len() as Target
    }

    fn emit(&mut self, instr: Instr) -> usize {
        self.last_result = None;
        self.code.push(instr);
        self.code.len() - 1
    }

    /// Emits an instruction whose result is the operand about to be pushed.
    fn emit_result(&mut self, instr: Instr) {
        let at = self.emit(instr);
        self.last_result = Some(at);
    }

    /// Starts a new straight-line region: a jump may land here.
    fn bind_label(&mut self) {
        self.last_result = None;
        self.label_pc = self.code.len();
        if self.consume_fuel {
            self.fuel = Some(self.emit(Instr::Fuel { amount: 0 }));
        }
    }

    fn patch_here(&mut self, at: usize) {
        let here = self.pc();
        self.code[at].set_target(here);
    }

    /// Fuel and interrupt checks at a function entry or loop header.
    fn block_entry_checks(&mut self, with_interrupt: bool) {
        self.bind_label();
        if with_interrupt && self.interruptible {
            self.emit(Instr::CheckInterrupt);
        }
    }

    fn charge_operator(&mut self) {
        if let Some(at) = self.fuel {
            if let Instr::Fuel { amount } = &mut self.code[at] {
                *amount = amount.saturating_add(1);
            }
        }
    }

    // ---------------------------------------------------------------- operand stack

    fn next_home(&self) -> TResult<Slot> {
        Slot::try_from(self.num_local_slots + self.height).map_err(|_| too_large())
    }

    fn push(&mut self, ty: ValType, loc: Loc) -> TResult<Slot> {
        let home = self.next_home()?;
        self.height += u32::from(ty.slots());
        if self.num_local_slots + self.height > u32::from(Slot::MAX) + 1 {
            return Err(too_large());
        }
        self.max_height = self.max_height.max(self.height);
        self.stack.push(Operand { ty, home, loc });
        Ok(home)
    }

    /// Pushes a value computed into its home slot; returns that slot.
    fn push_home(&mut self, ty: ValType) -> TResult<Slot> {
        self.push(ty, Loc::Home)
    }

    fn pop(&mut self) -> TResult<Operand> {
        let op = self.stack.pop().ok_or("operand stack underflow")?;
        self.height -= u32::from(op.ty.slots());
        Ok(op)
    }

    fn pop_n(&mut self, n: usize) -> TResult<Vec<Operand>> {
        if n > self.stack.len() {
            return Err("operand stack underflow".into());
        }
        let ops = self.stack.split_off(self.stack.len() - n);
        for op in &ops {
            self.height -= u32::from(op.ty.slots());
        }
        Ok(ops)
    }

    fn truncate_stack(&mut self, len: usize) {
        while self.stack.len() > len {
            let op = self.stack.pop().expect("length checked");
            self.height -= u32::from(op.ty.slots());
        }
    }

    /// Emits what writes `op`'s value into slot `d`.
    fn emit_move(&mut self, op: Operand, d: Slot) {
        let wide = op.ty == ValType::V128;
        match op.loc {
            Loc::Home if op.home == d => {}
            Loc::Home => {
                self.emit(if wide {
                    Instr::CopyV128 { d, s: op.home }
                } else {
                    Instr::Copy { d, s: op.home }
                });
            }
            Loc::Local(s) if s == d => {}
            Loc::Local(s) => {
                self.emit(if wide { Instr::CopyV128 { d, s } } else { Instr::Copy { d, s } });
            }
            Loc::Const(v) => {
                self.emit(match u32::try_from(v) {
                    Ok(v) => Instr::Const32 { d, v },
                    Err(_) => Instr::Const64 { d, v },
                });
            }
        }
    }

    /// The slot to read a popped operand from, emitting a constant load into its (now free)
    /// home slot if it is still an immediate.
    fn src(&mut self, op: Operand) -> Slot {
        match op.loc {
            Loc::Home => op.home,
            Loc::Local(s) => s,
            Loc::Const(_) => {
                self.emit_move(op, op.home);
                op.home
            }
        }
    }

    /// Forces the stack entry at `index` into its home slot.
    fn materialize_at(&mut self, index: usize) {
        let op = self.stack[index];
        if op.loc != Loc::Home {
            self.emit_move(op, op.home);
            self.stack[index].loc = Loc::Home;
        }
    }

    fn materialize_all(&mut self) {
        for i in 0..self.stack.len() {
            self.materialize_at(i);
        }
    }

    fn materialize_top(&mut self, n: usize) {
        for i in self.stack.len() - n..self.stack.len() {
            self.materialize_at(i);
        }
    }

    /// Before local `slot` is overwritten: entries still aliasing it move home.
    fn materialize_local(&mut self, slot: Slot) {
        for i in 0..self.stack.len() {
            if self.stack[i].loc == Loc::Local(slot) {
                self.materialize_at(i);
            }
        }
    }

    // ---------------------------------------------------------------- control flow

    fn block_type(&self, bt: wasmparser::BlockType) -> TResult<(Vec<ValType>, Vec<ValType>)> {
        Ok(match bt {
            wasmparser::BlockType::Empty => (Vec::new(), Vec::new()),
            wasmparser::BlockType::Type(t) => {
                (Vec::new(), vec![ValType::from_wasmparser(t).ok_or("unsupported block type")?])
            }
            wasmparser::BlockType::FuncType(i) => {
                let ft = &self.module.types[i as usize];
                (ft.params().to_vec(), ft.results().to_vec())
            }
        })
    }

    fn push_ctrl(&mut self, kind: CtrlKind, params: Vec<ValType>, results: Vec<ValType>) -> TResult {
        let height = self.stack.len() - params.len();
        let slot = match self.stack.get(height) {
            Some(op) => op.home,
            None => self.next_home()?,
        };
        self.ctrl.push(Ctrl {
            kind,
            params,
            results,
            height,
            slot,
            header: 0,
            patches: Vec::new(),
            else_patch: None,
            saved_params: None,
            unreachable: false,
        });
        Ok(())
    }

    /// The value types a branch to label `depth` carries.
    fn label_types(&self, depth: u32) -> &[ValType] {
        let c = &self.ctrl[self.ctrl.len() - 1 - depth as usize];
        if c.kind == CtrlKind::Loop {
            &c.params
        } else {
            &c.results
        }
    }

    /// Whether branching to `depth` needs instructions besides the jump itself.
    fn branch_needs_moves(&self, depth: u32) -> bool {
        let c = &self.ctrl[self.ctrl.len() - 1 - depth as usize];
        if c.kind == CtrlKind::Func {
            return true;
        }
        let n = self.label_types(depth).len();
        let mut slot = c.slot;
        for op in &self.stack[self.stack.len() - n..] {
            if op.loc != Loc::Home || op.home != slot {
                return true;
            }
            slot += op.ty.slots();
        }
        false
    }

    /// Emits the moves and the jump of an unconditional branch to label `depth`.
    fn branch(&mut self, depth: u32) -> TResult {
        let index = self.ctrl.len() - 1 - depth as usize;
        if self.ctrl[index].kind == CtrlKind::Func {
            return self.emit_return();
        }
        let n = self.label_types(depth).len();
        let mut slot = self.ctrl[index].slot;
        for i in self.stack.len() - n..self.stack.len() {
            let op = self.stack[i];
            self.emit_move(op, slot);
            slot += op.ty.slots();
        }
        self.emit_jump(index);
        Ok(())
    }

    /// Emits a `Br` to the label of control frame `index` (no moves).
    fn emit_jump(&mut self, index: usize) -> usize {
        if self.ctrl[index].kind == CtrlKind::Loop {
            let t = self.ctrl[index].header;
            self.emit(Instr::Br { t })
        } else {
            let at = self.emit(Instr::Br { t: 0 });
            self.ctrl[index].patches.push(at);
            at
        }
    }

    /// Moves the function's results to slots `0..` and returns.
    fn emit_return(&mut self) -> TResult {
        let n = self.ctrl[0].results.len();
        // A single result computed by the instruction just emitted is computed straight into
        // slot 0 instead of being copied there (every instruction with a single result reads
        // its operands before writing it, and nothing runs in this frame after the return).
        if let (1, Some(&top)) = (n, self.stack.last()) {
            if top.loc == Loc::Home && self.last_result == Some(self.code.len() - 1) {
                if let Some(d) = self.code.last_mut().and_then(Instr::result_slot_mut) {
                    if *d == top.home {
                        *d = 0;
                        self.emit(Instr::Return);
                        return Ok(());
                    }
                }
            }
        }
        let results = self.stack[self.stack.len() - n..].to_vec();
        // A result still aliasing a local could be overwritten by an earlier result's move
        // (results go to slots 0.., where the parameters live): send such values home first.
        if n > 1 && results.iter().any(|op| matches!(op.loc, Loc::Local(_))) {
            self.materialize_top(n);
        }
        let mut slot: Slot = 0;
        for i in self.stack.len() - n..self.stack.len() {
            let op = self.stack[i];
            self.emit_move(op, slot);
            slot += op.ty.slots();
        }
        self.emit(Instr::Return);
        Ok(())
    }

    fn set_unreachable(&mut self) {
        let c = self.ctrl.last_mut().expect("inside a function");
        c.unreachable = true;
        let h = c.height;
        self.truncate_stack(h);
    }

    fn op_block(&mut self, bt: wasmparser::BlockType) -> TResult {
        let (params, results) = self.block_type(bt)?;
        self.materialize_all();
        self.push_ctrl(CtrlKind::Block, params, results)
    }

    fn op_loop(&mut self, bt: wasmparser::BlockType) -> TResult {
        let (params, results) = self.block_type(bt)?;
        self.materialize_all();
        self.push_ctrl(CtrlKind::Loop, params, results)?;
        let pc = self.pc();
        self.ctrl.last_mut().expect("just pushed").header = pc;
        self.block_entry_checks(true);
        Ok(())
    }

    /// Branches to the `else` arm (or the end) when the condition is zero; returns the
    /// branch's index for patching. A compare just computed for this purpose is fused in.
    fn branch_if_false(&mut self, cond: Operand) -> usize {
        if let Some(fused) = self.fuse_condition(cond, true) {
            return self.emit(fused);
        }
        let c = self.src(cond);
        self.emit(Instr::BrIfEqz { c, t: 0 })
    }

    /// If `cond` was produced by the instruction just emitted and it is a fusable compare,
    /// removes it and returns a compare-and-branch (to target 0, patched by the caller) that
    /// jumps when the condition is false (`negate`) or true.
    fn fuse_condition(&mut self, cond: Operand, negate: bool) -> Option<Instr> {
        let at = self.last_result?;
        if at + 1 != self.code.len() || cond.loc != Loc::Home {
            return None;
        }
        let fused = match self.code[at] {
            Instr::I32Cmp { op, d, a, b } if d == cond.home => {
                let op = if negate { op.negate() } else { op };
                Instr::BrCmpI32 { op, a, b, t: 0 }
            }
            Instr::I32CmpImm { op, d, a, imm } if d == cond.home => {
                let op = if negate { op.negate() } else { op };
                Instr::BrCmpI32Imm { op, a, imm, t: 0 }
            }
            Instr::Unary { op: UnOp::I32Eqz, d, s } if d == cond.home => {
                if negate {
                    Instr::BrIfNz { c: s, t: 0 }
                } else {
                    Instr::BrIfEqz { c: s, t: 0 }
                }
            }
            _ => return None,
        };
        self.code.pop();
        self.last_result = None;
        Some(fused)
    }

    fn op_if(&mut self, bt: wasmparser::BlockType) -> TResult {
        let (params, results) = self.block_type(bt)?;
        let cond = self.pop()?;
        let np = params.len();
        let else_patch;
        let mut saved = None;
        if np == 0 {
            self.materialize_all();
            else_patch = self.branch_if_false(cond);
        } else {
            // Parameters must survive the `then` arm for the `else` arm: keep the originals in
            // place and give the arms a copy above them (made after the branch, which must
            // read the condition before the copies reuse its slot).
            let c = self.src(cond);
            self.materialize_all();
            else_patch = self.emit(Instr::BrIfEqz { c, t: 0 });
            let originals = self.stack[self.stack.len() - np..].to_vec();
            saved = Some(originals[0].home);
            for op in &originals {
                let home = self.push_home(op.ty)?;
                self.emit_move(*op, home);
            }
        }
        self.push_ctrl(CtrlKind::If, params, results)?;
        let c = self.ctrl.last_mut().expect("just pushed");
        c.else_patch = Some(else_patch);
        c.saved_params = saved;
        self.bind_label();
        Ok(())
    }

    /// Copies an `if`'s saved parameters into the arm's parameter slots and pushes them.
    fn start_else_arm(&mut self) -> TResult {
        let c = self.ctrl.last().expect("inside if");
        let (height, saved) = (c.height, c.saved_params);
        let params = c.params.clone();
        self.truncate_stack(height);
        if let Some(mut from) = saved {
            for ty in params {
                let home = self.push_home(ty)?;
                self.emit_move(Operand { ty, home: from, loc: Loc::Home }, home);
                from += ty.slots();
            }
        }
        Ok(())
    }

    /// Puts the current arm's results in the block's result slots.
    fn finish_arm(&mut self) -> TResult {
        let c = self.ctrl.last().expect("inside a block");
        if !c.unreachable {
            let n = c.results.len();
            self.materialize_top(n);
        }
        Ok(())
    }

    fn op_else(&mut self) -> TResult {
        self.finish_arm()?;
        let index = self.ctrl.len() - 1;
        if !self.ctrl[index].unreachable {
            self.emit_jump(index);
        }
        let c = self.ctrl.last_mut().expect("inside if");
        c.kind = CtrlKind::Else;
        c.unreachable = false;
        let patch = c.else_patch.take().ok_or("else without if")?;
        self.patch_here(patch);
        self.bind_label();
        self.start_else_arm()
    }

    fn op_end(&mut self) -> TResult {
        match self.ctrl.last().map(|c| (c.kind, c.unreachable)) {
            Some((CtrlKind::If, _)) => {
                // An `if` without `else`: the implicit else arm passes the parameters through.
                self.op_else()?;
            }
            Some((CtrlKind::Func, unreachable)) => {
                if !unreachable {
                    self.emit_return()?;
                }
                self.ctrl.pop();
                return Ok(());
            }
            _ => {}
        }
        self.finish_arm()?;
        let c = self.ctrl.pop().ok_or("unbalanced end")?;
        self.truncate_stack(c.height);
        let mut dest = c.slot;
        if let Some(orig) = c.saved_params {
            // Drop the parameters saved below the arms; results move down over them.
            self.truncate_stack(c.height - c.params.len());
            dest = orig;
        }
        if !c.patches.is_empty() {
            for at in &c.patches {
                self.patch_here(*at);
            }
            self.bind_label();
        }
        let mut from = c.slot;
        for ty in c.results {
            let home = self.push_home(ty)?;
            debug_assert_eq!(home, dest + (from - c.slot));
            self.emit_move(Operand { ty, home: from, loc: Loc::Home }, home);
            from += ty.slots();
        }
        Ok(())
    }

    fn op_br(&mut self, depth: u32) -> TResult {
        self.branch(depth)?;
        self.set_unreachable();
        Ok(())
    }

    fn op_br_if(&mut self, depth: u32) -> TResult {
        let cond = self.pop()?;
        let index = self.ctrl.len() - 1 - depth as usize;
        if !self.branch_needs_moves(depth) {
            let at = match self.fuse_condition(cond, false) {
                Some(fused) => self.emit(fused),
                None => {
                    let c = self.src(cond);
                    self.emit(Instr::BrIfNz { c, t: 0 })
                }
            };
            if self.ctrl[index].kind == CtrlKind::Loop {
                let header = self.ctrl[index].header;
                self.code[at].set_target(header);
            } else {
                self.ctrl[index].patches.push(at);
            }
        } else {
            let skip = self.branch_if_false(cond);
            self.branch(depth)?;
            self.patch_here(skip);
            self.bind_label();
        }
        Ok(())
    }

    fn op_br_table(&mut self, table: wasmparser::BrTable<'_>) -> TResult {
        let cond = self.pop()?;
        let c = self.src(cond);
        let mut depths = Vec::with_capacity(table.len() as usize + 1);
        for d in table.targets() {
            depths.push(d.map_err(|e| e.to_string())?);
        }
        depths.push(table.default());
        self.emit(Instr::BrTable { c, len: table.len() });
        let first = self.code.len();
        let mut needs_stub = Vec::new();
        for &depth in &depths {
            let index = self.ctrl.len() - 1 - depth as usize;
            if self.branch_needs_moves(depth) {
                needs_stub.push(true);
                self.emit(Instr::Br { t: 0 });
            } else {
                needs_stub.push(false);
                self.emit_jump(index);
            }
        }
        // Targets that need moves go through a stub; equal depths share one.
        let mut stubs: Vec<(u32, Target)> = Vec::new();
        for (i, &depth) in depths.iter().enumerate() {
            if !needs_stub[i] {
                continue;
            }
            let stub = match stubs.iter().find(|(d, _)| *d == depth) {
                Some((_, at)) => *at,
                None => {
                    let at = self.pc();
                    self.last_result = None;
                    self.branch(depth)?;
                    stubs.push((depth, at));
                    at
                }
            };
            self.code[first + i].set_target(stub);
        }
        self.set_unreachable();
        Ok(())
    }

    // ---------------------------------------------------------------- calls

    fn op_call(&mut self, func: u32, tail: bool) -> TResult {
        let ty = self.module.func_type(func).clone();
        let base = self.prepare_args(ty.params().len())?;
        if tail {
            self.emit(Instr::ReturnCall { f: func, base });
            self.set_unreachable();
            return Ok(());
        }
        self.emit(if func >= self.module.num_imported_funcs {
            Instr::CallInternal { f: func, base }
        } else {
            Instr::Call { f: func, base }
        });
        for r in ty.results() {
            self.push_home(*r)?;
        }
        Ok(())
    }

    fn op_call_indirect(&mut self, ty_index: u32, table: u32, tail: bool) -> TResult {
        let ty = self.module.types[ty_index as usize].clone();
        let index = self.pop()?;
        let c = self.src(index);
        // The index stays in its slot above the arguments: moving arguments home writes only
        // below it, and the call reads it before the callee's frame is laid over it.
        let base = self.prepare_args(ty.params().len())?;
        let table = u16::try_from(table).map_err(|_| "table index too large")?;
        if tail {
            self.emit(Instr::ReturnCallIndirect { ty: ty_index, table, c, base });
            self.set_unreachable();
            return Ok(());
        }
        self.emit(Instr::CallIndirect { ty: ty_index, table, c, base });
        for r in ty.results() {
            self.push_home(*r)?;
        }
        Ok(())
    }

    /// Moves the top `n` operands (the arguments) home and pops them; returns the first
    /// argument's slot, where the callee's frame will begin.
    fn prepare_args(&mut self, n: usize) -> TResult<Slot> {
        self.materialize_top(n);
        let base = match self.stack.get(self.stack.len() - n) {
            Some(op) => op.home,
            None => self.next_home()?,
        };
        self.pop_n(n)?;
        Ok(base)
    }
}
