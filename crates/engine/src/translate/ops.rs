//! Operator-by-operator translation: the big dispatch from `wasmparser::Operator` to IR.

use wasmparser::Operator as Op;

use super::{Loc, Operand, TResult, Translator};
use crate::ir::{BinOp, CmpOp, Instr, LoadOp, Slot, StoreOp, UnOp, V128LoadOp};
use crate::simd::{self, LoadKind, Shape};
use crate::value::ValType;

use ValType::{F32, F64, I32, I64, V128};

fn unsupported(op: &Op<'_>) -> String {
    format!("unsupported operator {op:?}")
}

impl Translator<'_> {
    /// Translates one operator.
    pub(super) fn operator(&mut self, op: Op<'_>) -> TResult {
        if self.ctrl.last().is_some_and(|c| c.unreachable) {
            match op {
                Op::Block { .. } | Op::Loop { .. } | Op::If { .. } => {
                    self.skip_depth += 1;
                    return Ok(());
                }
                Op::End if self.skip_depth > 0 => {
                    self.skip_depth -= 1;
                    return Ok(());
                }
                Op::Else | Op::End if self.skip_depth == 0 => {}
                _ => return Ok(()),
            }
        }
        self.charge_operator();
        match op {
            Op::Unreachable => {
                self.emit(Instr::Unreachable);
                self.set_unreachable();
            }
            Op::Nop => {}
            Op::Block { blockty } => self.op_block(blockty)?,
            Op::Loop { blockty } => self.op_loop(blockty)?,
            Op::If { blockty } => self.op_if(blockty)?,
            Op::Else => self.op_else()?,
            Op::End => self.op_end()?,
            Op::Br { relative_depth } => self.op_br(relative_depth)?,
            Op::BrIf { relative_depth } => self.op_br_if(relative_depth)?,
            Op::BrTable { targets } => self.op_br_table(targets)?,
            Op::Return => {
                self.emit_return()?;
                self.set_unreachable();
            }
            Op::Call { function_index } => self.op_call(function_index, false)?,
            Op::ReturnCall { function_index } => self.op_call(function_index, true)?,
            Op::CallIndirect { type_index, table_index } => {
                self.op_call_indirect(type_index, table_index, false)?
            }
            Op::ReturnCallIndirect { type_index, table_index } => {
                self.op_call_indirect(type_index, table_index, true)?
            }
            Op::Drop => {
                self.pop()?;
            }
            Op::Select => self.op_select()?,
            Op::TypedSelect { .. } => self.op_select()?,

            Op::LocalGet { local_index } => {
                let ty = self.local_ty[local_index as usize];
                let slot = self.local_slot[local_index as usize];
                self.push(ty, Loc::Local(slot))?;
            }
            Op::LocalSet { local_index } => self.op_local_set(local_index, false)?,
            Op::LocalTee { local_index } => self.op_local_set(local_index, true)?,
            Op::GlobalGet { global_index } => {
                let ty = self.module.global_type(global_index);
                let d = self.push_home(ty)?;
                if ty == V128 {
                    self.emit_result(Instr::GlobalGetV128 { d, g: global_index });
                } else {
                    self.emit_result(Instr::GlobalGet { d, g: global_index });
                }
            }
            Op::GlobalSet { global_index } => {
                let v = self.pop()?;
                if v.ty == I32 {
                    if let Some(fused) = self.global_add_imm(v, global_index) {
                        self.emit(fused);
                        return Ok(());
                    }
                }
                let s = self.src(v);
                if v.ty == V128 {
                    self.emit(Instr::GlobalSetV128 { s, g: global_index });
                } else {
                    self.emit(Instr::GlobalSet { s, g: global_index });
                }
            }

            Op::I32Const { value } => {
                self.push(I32, Loc::Const(value as u32 as u64))?;
            }
            Op::I64Const { value } => {
                self.push(I64, Loc::Const(value as u64))?;
            }
            Op::F32Const { value } => {
                self.push(F32, Loc::Const(u64::from(value.bits())))?;
            }
            Op::F64Const { value } => {
                self.push(F64, Loc::Const(value.bits()))?;
            }
            Op::V128Const { value } => {
                let idx = self.consts.len() as u32;
                self.consts.push(u128::from_le_bytes(*value.bytes()));
                let d = self.push_home(V128)?;
                self.emit(Instr::ConstV128 { d, idx });
            }
            Op::RefNull { hty } => {
                let ty = match hty {
                    wasmparser::HeapType::Abstract { ty: wasmparser::AbstractHeapType::Extern, .. } => {
                        ValType::ExternRef
                    }
                    _ => ValType::FuncRef,
                };
                self.push(ty, Loc::Const(0))?;
            }
            Op::RefIsNull => self.unary(UnOp::I64Eqz, I32)?,
            Op::RefFunc { function_index } => {
                let d = self.push_home(ValType::FuncRef)?;
                self.emit_result(Instr::RefFunc { d, f: function_index });
            }

            // --- memory
            Op::I32Load { memarg } => self.load(LoadOp::I32, I32, memarg)?,
            Op::I64Load { memarg } => self.load(LoadOp::I64, I64, memarg)?,
            Op::F32Load { memarg } => self.load(LoadOp::F32, F32, memarg)?,
            Op::F64Load { memarg } => self.load(LoadOp::F64, F64, memarg)?,
            Op::I32Load8S { memarg } => self.load(LoadOp::I32_8S, I32, memarg)?,
            Op::I32Load8U { memarg } => self.load(LoadOp::I32_8U, I32, memarg)?,
            Op::I32Load16S { memarg } => self.load(LoadOp::I32_16S, I32, memarg)?,
            Op::I32Load16U { memarg } => self.load(LoadOp::I32_16U, I32, memarg)?,
            Op::I64Load8S { memarg } => self.load(LoadOp::I64_8S, I64, memarg)?,
            Op::I64Load8U { memarg } => self.load(LoadOp::I64_8U, I64, memarg)?,
            Op::I64Load16S { memarg } => self.load(LoadOp::I64_16S, I64, memarg)?,
            Op::I64Load16U { memarg } => self.load(LoadOp::I64_16U, I64, memarg)?,
            Op::I64Load32S { memarg } => self.load(LoadOp::I64_32S, I64, memarg)?,
            Op::I64Load32U { memarg } => self.load(LoadOp::I64_32U, I64, memarg)?,
            Op::I32Store { memarg } | Op::F32Store { memarg } | Op::I64Store32 { memarg } => {
                self.store(StoreOp::B4, memarg)?
            }
            Op::I64Store { memarg } | Op::F64Store { memarg } => self.store(StoreOp::B8, memarg)?,
            Op::I32Store8 { memarg } | Op::I64Store8 { memarg } => self.store(StoreOp::B1, memarg)?,
            Op::I32Store16 { memarg } | Op::I64Store16 { memarg } => self.store(StoreOp::B2, memarg)?,
            Op::MemorySize { mem } => {
                let mem = mem16(mem)?;
                let d = self.push_home(I32)?;
                self.emit_result(Instr::MemorySize { d, mem });
            }
            Op::MemoryGrow { mem } => {
                let mem = mem16(mem)?;
                let v = self.pop()?;
                let delta = self.src(v);
                let d = self.push_home(I32)?;
                self.emit(Instr::MemoryGrow { d, delta, mem });
            }
            Op::MemoryFill { mem } => {
                let [dst, val, len] = self.pop3()?;
                self.emit(Instr::MemoryFill { mem: mem16(mem)?, dst, val, len });
            }
            Op::MemoryCopy { dst_mem, src_mem } => {
                let [dst, src, len] = self.pop3()?;
                self.emit(Instr::MemoryCopy {
                    dst_mem: mem16(dst_mem)?,
                    src_mem: mem16(src_mem)?,
                    dst,
                    src,
                    len,
                });
            }
            Op::MemoryInit { data_index, mem } => {
                let [dst, src, len] = self.pop3()?;
                self.emit(Instr::MemoryInit { mem: mem16(mem)?, data: data_index, dst, src, len });
            }
            Op::DataDrop { data_index } => {
                self.emit(Instr::DataDrop { data: data_index });
            }

            // --- tables
            Op::TableGet { table } => {
                let v = self.pop()?;
                let i = self.src(v);
                let ty = self.module.tables[table as usize].element;
                let d = self.push_home(ty)?;
                self.emit_result(Instr::TableGet { d, i, table });
            }
            Op::TableSet { table } => {
                let [i, v] = self.pop2()?;
                self.emit(Instr::TableSet { i, v, table });
            }
            Op::TableSize { table } => {
                let d = self.push_home(I32)?;
                self.emit_result(Instr::TableSize { d, table });
            }
            Op::TableGrow { table } => {
                let [init, delta] = self.pop2()?;
                let d = self.push_home(I32)?;
                self.emit(Instr::TableGrow { d, init, delta, table: mem16(table)? });
            }
            Op::TableFill { table } => {
                let [i, v, len] = self.pop3()?;
                self.emit(Instr::TableFill { table: mem16(table)?, i, v, len });
            }
            Op::TableCopy { dst_table, src_table } => {
                let [dst, src, len] = self.pop3()?;
                self.emit(Instr::TableCopy {
                    dst_table: mem16(dst_table)?,
                    src_table: mem16(src_table)?,
                    dst,
                    src,
                    len,
                });
            }
            Op::TableInit { elem_index, table } => {
                let [dst, src, len] = self.pop3()?;
                self.emit(Instr::TableInit { table: mem16(table)?, elem: elem_index, dst, src, len });
            }
            Op::ElemDrop { elem_index } => {
                self.emit(Instr::ElemDrop { elem: elem_index });
            }

            // --- i32 fast paths
            Op::I32Add => self.add_like(true, false)?,
            Op::I32Sub => self.add_like(true, true)?,
            Op::I64Add => self.add_like(false, false)?,
            Op::I64Sub => self.add_like(false, true)?,
            Op::I32Eq => self.cmp32(CmpOp::Eq)?,
            Op::I32Ne => self.cmp32(CmpOp::Ne)?,
            Op::I32LtS => self.cmp32(CmpOp::LtS)?,
            Op::I32LtU => self.cmp32(CmpOp::LtU)?,
            Op::I32GtS => self.cmp32(CmpOp::GtS)?,
            Op::I32GtU => self.cmp32(CmpOp::GtU)?,
            Op::I32LeS => self.cmp32(CmpOp::LeS)?,
            Op::I32LeU => self.cmp32(CmpOp::LeU)?,
            Op::I32GeS => self.cmp32(CmpOp::GeS)?,
            Op::I32GeU => self.cmp32(CmpOp::GeU)?,

            // --- no-op conversions: same bits, new type
            Op::I32WrapI64 | Op::I32ReinterpretF32 => self.retype(I32)?,
            Op::I64ReinterpretF64 => self.retype(I64)?,
            Op::F32ReinterpretI32 => self.retype(F32)?,
            Op::F64ReinterpretI64 => self.retype(F64)?,

            // --- SIMD
            Op::I8x16Shuffle { lanes } => {
                let [a, b] = self.pop2()?;
                let mut mask = 0u128;
                for (i, l) in lanes.iter().enumerate() {
                    mask |= u128::from(*l) << (8 * i);
                }
                let idx = self.consts.len() as u32;
                self.consts.push(mask);
                let d = self.push_home(V128)?;
                self.emit(Instr::Shuffle { d, a, b, idx });
            }
            Op::V128Load { memarg } => self.v128_load(V128LoadOp::Full, memarg)?,
            Op::V128Load8x8S { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load8x8S), memarg)?,
            Op::V128Load8x8U { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load8x8U), memarg)?,
            Op::V128Load16x4S { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load16x4S), memarg)?,
            Op::V128Load16x4U { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load16x4U), memarg)?,
            Op::V128Load32x2S { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load32x2S), memarg)?,
            Op::V128Load32x2U { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load32x2U), memarg)?,
            Op::V128Load8Splat { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load8Splat), memarg)?,
            Op::V128Load16Splat { memarg } => {
                self.v128_load(V128LoadOp::Ext(LoadKind::Load16Splat), memarg)?
            }
            Op::V128Load32Splat { memarg } => {
                self.v128_load(V128LoadOp::Ext(LoadKind::Load32Splat), memarg)?
            }
            Op::V128Load64Splat { memarg } => {
                self.v128_load(V128LoadOp::Ext(LoadKind::Load64Splat), memarg)?
            }
            Op::V128Load32Zero { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load32Zero), memarg)?,
            Op::V128Load64Zero { memarg } => self.v128_load(V128LoadOp::Ext(LoadKind::Load64Zero), memarg)?,
            Op::V128Store { memarg } => {
                let [addr, s] = self.pop2()?;
                let (mem, off) = memarg32(&memarg)?;
                self.emit(Instr::V128Store { s, addr, mem, off });
            }
            Op::V128Load8Lane { memarg, lane } => self.v128_lane(true, 1, lane, memarg)?,
            Op::V128Load16Lane { memarg, lane } => self.v128_lane(true, 2, lane, memarg)?,
            Op::V128Load32Lane { memarg, lane } => self.v128_lane(true, 4, lane, memarg)?,
            Op::V128Load64Lane { memarg, lane } => self.v128_lane(true, 8, lane, memarg)?,
            Op::V128Store8Lane { memarg, lane } => self.v128_lane(false, 1, lane, memarg)?,
            Op::V128Store16Lane { memarg, lane } => self.v128_lane(false, 2, lane, memarg)?,
            Op::V128Store32Lane { memarg, lane } => self.v128_lane(false, 4, lane, memarg)?,
            Op::V128Store64Lane { memarg, lane } => self.v128_lane(false, 8, lane, memarg)?,

            other => {
                if let Some((un, ty)) = unop(&other) {
                    return self.unary(un, ty);
                }
                if let Some((bin, ty)) = binop(&other) {
                    return self.binary(bin, ty);
                }
                if let Some((sop, lane)) = simd::decode(&other) {
                    return self.simd(sop, lane);
                }
                return Err(unsupported(&other));
            }
        }
        Ok(())
    }

    /// The index of the instruction that computed stack operand `op` into its home slot, if it
    /// is the last one emitted (so nothing can have read the value since, and no label lies
    /// between: a label clears `last_result`). A popped operand found this way is used by
    /// nothing else, so the instruction may be folded into its one consumer.
    fn just_computed(&self, op: Operand) -> Option<usize> {
        let at = self.last_result.filter(|at| *at + 1 == self.code.len())?;
        let mut code = self.code[at];
        (op.loc == Loc::Home && code.result_slot_mut().is_some_and(|d| *d == op.home)).then_some(at)
    }

    /// `global.set g` of popped `i32` operand `v` as one instruction with the `i32.add` of a
    /// constant that computed `v` (see [`Instr::GlobalSetAddImm`], [`Instr::GlobalAddImm`]),
    /// removing what it replaces; `None` if `v` was not computed so.
    fn global_add_imm(&mut self, v: Operand, g: u32) -> Option<Instr> {
        // Prologue: `GlobalGet t <- g; I32AddImm d <- t + imm` just emitted (the add's result
        // retargeted into the local `local.tee` names), with `t` a scratch slot that only the
        // add read, and no jump landing on the add or after it.
        let n = self.code.len();
        if n >= 2 && self.label_pc + 2 <= n {
            if let [Instr::GlobalGet { d: t, g: from }, Instr::I32AddImm { d, a, imm }] = self.code[n - 2..] {
                let d_holds_v = v.loc == Loc::Local(d) || (v.loc == Loc::Home && v.home == d);
                if from == g && a == t && u32::from(t) >= self.num_local_slots && d_holds_v {
                    self.code.truncate(n - 2);
                    self.last_result = None;
                    return Some(Instr::GlobalAddImm { d, imm, g });
                }
            }
        }
        // Epilogue: the add's result is used only here.
        let (a, imm) = self.take_add_imm(v)?;
        Some(Instr::GlobalSetAddImm { a, imm, g })
    }

    /// If popped operand `op` was computed by the instruction just before and `fold` accepts
    /// that instruction (returning what the consumer takes over from it), removes it.
    fn take_computed<R>(&mut self, op: Operand, fold: impl FnOnce(Instr) -> Option<R>) -> Option<R> {
        let at = self.just_computed(op)?;
        let taken = fold(self.code[at])?;
        self.code.pop();
        self.last_result = None;
        Some(taken)
    }

    /// [`Self::take_computed`] for an `I32Add`: its two operand slots.
    fn take_add(&mut self, op: Operand) -> Option<(Slot, Slot)> {
        self.take_computed(op, |i| if let Instr::I32Add { a, b, .. } = i { Some((a, b)) } else { None })
    }

    /// [`Self::take_computed`] for an `I32AddImm`: its base slot and immediate.
    fn take_add_imm(&mut self, op: Operand) -> Option<(Slot, i32)> {
        self.take_computed(
            op,
            |i| if let Instr::I32AddImm { a, imm, .. } = i { Some((a, imm)) } else { None },
        )
    }

    fn pop2(&mut self) -> TResult<[Slot; 2]> {
        let b = self.pop()?;
        let a = self.pop()?;
        let sb = self.src(b);
        let sa = self.src(a);
        Ok([sa, sb])
    }

    fn pop3(&mut self) -> TResult<[Slot; 3]> {
        let c = self.pop()?;
        let b = self.pop()?;
        let a = self.pop()?;
        let sc = self.src(c);
        let sb = self.src(b);
        let sa = self.src(a);
        Ok([sa, sb, sc])
    }

    fn retype(&mut self, ty: ValType) -> TResult {
        let top = self.stack.last_mut().ok_or("operand stack underflow")?;
        top.ty = ty;
        Ok(())
    }

    fn unary(&mut self, op: UnOp, ty: ValType) -> TResult {
        let a = self.pop()?;
        let s = self.src(a);
        let d = self.push_home(ty)?;
        self.emit_result(match op {
            UnOp::I64ExtendI32U => Instr::I64ExtendI32U { d, s },
            _ => Instr::Unary { op, d, s },
        });
        Ok(())
    }

    fn binary(&mut self, op: BinOp, ty: ValType) -> TResult {
        if let Some(Operand { loc: Loc::Const(c), ty: I32 | I64, .. }) = self.stack.last().copied() {
            // i32 immediates are the constant's low bits; i64 ones must sign-extend back to it.
            let imm = c as u32 as i32;
            let imm64 = i32::try_from(c as i64).ok();
            let (op, imm) = match op {
                // rotr by k is rotl by (width - k) mod width.
                BinOp::I32Rotr => (BinOp::I32Rotl, (32 - (imm & 31)) & 31),
                BinOp::I64Rotr => (BinOp::I64Rotl, (64 - (c as i64 & 63) as i32) & 63),
                BinOp::I64Shl | BinOp::I64ShrS | BinOp::I64ShrU | BinOp::I64Rotl => (op, (c & 63) as i32),
                _ => (op, imm),
            };
            let i64_imm_ok = imm64.is_some()
                || matches!(op, BinOp::I64Shl | BinOp::I64ShrS | BinOp::I64ShrU | BinOp::I64Rotl);
            let imm = match op {
                BinOp::I64And | BinOp::I64Or | BinOp::I64Xor | BinOp::I64Mul => imm64.unwrap_or(0),
                _ => imm,
            };
            let with_imm: Option<fn(Slot, Slot, i32) -> Instr> = match op {
                BinOp::I32Rotl => Some(|d, a, imm| Instr::I32RotlImm { d, a, imm }),
                BinOp::I64Shl => Some(|d, a, imm| Instr::I64ShlImm { d, a, imm }),
                BinOp::I64ShrS => Some(|d, a, imm| Instr::I64ShrSImm { d, a, imm }),
                BinOp::I64ShrU => Some(|d, a, imm| Instr::I64ShrUImm { d, a, imm }),
                BinOp::I64Rotl => Some(|d, a, imm| Instr::I64RotlImm { d, a, imm }),
                BinOp::I64And if i64_imm_ok => Some(|d, a, imm| Instr::I64AndImm { d, a, imm }),
                BinOp::I64Or if i64_imm_ok => Some(|d, a, imm| Instr::I64OrImm { d, a, imm }),
                BinOp::I64Xor if i64_imm_ok => Some(|d, a, imm| Instr::I64XorImm { d, a, imm }),
                BinOp::I64Mul if i64_imm_ok => Some(|d, a, imm| Instr::I64MulImm { d, a, imm }),
                BinOp::I32And => Some(|d, a, imm| Instr::I32AndImm { d, a, imm }),
                BinOp::I32Or => Some(|d, a, imm| Instr::I32OrImm { d, a, imm }),
                BinOp::I32Xor => Some(|d, a, imm| Instr::I32XorImm { d, a, imm }),
                BinOp::I32Shl => Some(|d, a, imm| Instr::I32ShlImm { d, a, imm }),
                BinOp::I32ShrS => Some(|d, a, imm| Instr::I32ShrSImm { d, a, imm }),
                BinOp::I32ShrU => Some(|d, a, imm| Instr::I32ShrUImm { d, a, imm }),
                BinOp::I32Mul => Some(|d, a, imm| Instr::I32MulImm { d, a, imm }),
                _ => None,
            };
            if let Some(make) = with_imm {
                self.pop()?;
                let av = self.pop()?;
                let a = self.src(av);
                let d = self.push_home(ty)?;
                self.emit_result(make(d, a, imm));
                return Ok(());
            }
        }
        // `c + x * y` where the product was computed just before and is used only here.
        let product = match (op, self.stack.last().copied()) {
            (BinOp::F64Add, Some(top)) if top.loc == Loc::Home => self.just_computed(top),
            _ => None,
        };
        let [a, b] = self.pop2()?;
        if let Some(at) = product.filter(|at| *at == self.code.len() - 1) {
            if let Instr::F64Mul { a: x, b: y, .. } = self.code[at] {
                self.code.pop();
                let d = self.push_home(ty)?;
                self.emit_result(Instr::F64MulAdd { d, x, y, c: a });
                return Ok(());
            }
        }
        let d = self.push_home(ty)?;
        self.emit_result(match op {
            BinOp::I32Mul => Instr::I32Mul { d, a, b },
            BinOp::I32And => Instr::I32And { d, a, b },
            BinOp::I32Or => Instr::I32Or { d, a, b },
            BinOp::I32Xor => Instr::I32Xor { d, a, b },
            BinOp::I32Shl => Instr::I32Shl { d, a, b },
            BinOp::I32ShrS => Instr::I32ShrS { d, a, b },
            BinOp::I32ShrU => Instr::I32ShrU { d, a, b },
            BinOp::I64Mul => Instr::I64Mul { d, a, b },
            BinOp::I64And => Instr::I64And { d, a, b },
            BinOp::I64Or => Instr::I64Or { d, a, b },
            BinOp::I64Xor => Instr::I64Xor { d, a, b },
            BinOp::I64Shl => Instr::I64Shl { d, a, b },
            BinOp::I64ShrS => Instr::I64ShrS { d, a, b },
            BinOp::I64ShrU => Instr::I64ShrU { d, a, b },
            BinOp::F32Add => Instr::F32Add { d, a, b },
            BinOp::F32Sub => Instr::F32Sub { d, a, b },
            BinOp::F32Mul => Instr::F32Mul { d, a, b },
            BinOp::F64Add => Instr::F64Add { d, a, b },
            BinOp::F64Sub => Instr::F64Sub { d, a, b },
            BinOp::F64Mul => Instr::F64Mul { d, a, b },
            BinOp::F64Div => Instr::F64Div { d, a, b },
            _ => Instr::Binary { op, d, a, b },
        });
        Ok(())
    }

    fn add_like(&mut self, is32: bool, sub: bool) -> TResult {
        let ty = if is32 { I32 } else { I64 };
        if let Some(Operand { loc: Loc::Const(c), .. }) = self.stack.last().copied() {
            let imm = if is32 {
                let c = c as u32 as i32;
                Some(if sub { c.wrapping_neg() } else { c })
            } else {
                let c = c as i64;
                let c = if sub { c.wrapping_neg() } else { c };
                i32::try_from(c).ok()
            };
            if let Some(imm) = imm {
                self.pop()?;
                let av = self.pop()?;
                // `(x + c1) + c2`, the inner sum used only here: `x + (c1 + c2)`, wrapping
                // as both adds do.
                if is32 {
                    if let Some((x, c1)) = self.take_add_imm(av) {
                        let d = self.push_home(ty)?;
                        self.emit_result(Instr::I32AddImm { d, a: x, imm: c1.wrapping_add(imm) });
                        return Ok(());
                    }
                }
                let a = self.src(av);
                let d = self.push_home(ty)?;
                self.emit_result(if is32 {
                    Instr::I32AddImm { d, a, imm }
                } else {
                    Instr::I64AddImm { d, a, imm }
                });
                return Ok(());
            }
        }
        let [a, b] = self.pop2()?;
        let d = self.push_home(ty)?;
        self.emit_result(match (is32, sub) {
            (true, false) => Instr::I32Add { d, a, b },
            (true, true) => Instr::I32Sub { d, a, b },
            (false, false) => Instr::I64Add { d, a, b },
            (false, true) => Instr::I64Sub { d, a, b },
        });
        Ok(())
    }

    fn cmp32(&mut self, op: CmpOp) -> TResult {
        if let Some(Operand { loc: Loc::Const(c), .. }) = self.stack.last().copied() {
            self.pop()?;
            let av = self.pop()?;
            let a = self.src(av);
            let d = self.push_home(I32)?;
            self.emit_result(Instr::I32CmpImm { op, d, a, imm: c as u32 as i32 });
            return Ok(());
        }
        let [a, b] = self.pop2()?;
        let d = self.push_home(I32)?;
        self.emit_result(Instr::I32Cmp { op, d, a, b });
        Ok(())
    }

    fn op_select(&mut self) -> TResult {
        let cv = self.pop()?;
        let bv = self.pop()?;
        let av = self.pop()?;
        let c = self.src(cv);
        let b = self.src(bv);
        let a = self.src(av);
        let d = self.push_home(av.ty)?;
        if av.ty == V128 {
            self.emit(Instr::SelectV128 { d, c, a, b });
        } else {
            self.emit_result(Instr::Select { d, c, a, b });
        }
        Ok(())
    }

    fn op_local_set(&mut self, local: u32, tee: bool) -> TResult {
        let slot = self.local_slot[local as usize];
        let v = self.pop()?;
        let aliased = self.stack.iter().any(|op| op.loc == Loc::Local(slot));
        if aliased {
            self.materialize_local(slot);
        }
        let retarget = !aliased
            && v.loc == Loc::Home
            && self.last_result == Some(self.code.len() - 1)
            && self.code.last_mut().and_then(|i| i.result_slot_mut()).is_some_and(|d| *d == v.home);
        if retarget {
            if let Some(d) = self.code.last_mut().and_then(|i| i.result_slot_mut()) {
                *d = slot;
            }
            self.last_result = None;
        } else {
            self.emit_move(v, slot);
        }
        if tee {
            self.push(v.ty, Loc::Local(slot))?;
        }
        Ok(())
    }

    fn load(&mut self, kind: LoadOp, ty: ValType, memarg: wasmparser::MemArg) -> TResult {
        let (mem, off) = memarg32(&memarg)?;
        let a = self.pop()?;
        if let (Some(ea), 0, LoadOp::I32 | LoadOp::F32 | LoadOp::I64 | LoadOp::F64) =
            (const_ea(a, off), mem, kind)
        {
            let d = self.push_home(ty)?;
            self.emit_result(match kind {
                LoadOp::I32 | LoadOp::F32 => Instr::I32LoadAt { d, ea },
                _ => Instr::I64LoadAt { d, ea },
            });
            return Ok(());
        }
        let foldable = mem == 0 && matches!(kind, LoadOp::I32 | LoadOp::F32 | LoadOp::I64 | LoadOp::F64);
        // (`take_add_imm` removes the add, so it is asked only when the load can take it.)
        if let Some((base, imm)) = foldable.then(|| self.take_add_imm(a)).flatten() {
            let d = self.push_home(ty)?;
            self.emit_result(match kind {
                LoadOp::I32 | LoadOp::F32 => Instr::I32LoadAdd { d, a: base, imm, off },
                _ => Instr::I64LoadAdd { d, a: base, imm, off },
            });
            return Ok(());
        }
        if mem == 0 && matches!(kind, LoadOp::I32 | LoadOp::F32 | LoadOp::I32_8U) {
            if let Some((x, y)) = self.take_add(a) {
                let d = self.push_home(ty)?;
                self.emit_result(match kind {
                    LoadOp::I32_8U => Instr::I32Load8UIdx { d, a: x, b: y, off },
                    _ => Instr::I32LoadIdx { d, a: x, b: y, off },
                });
                return Ok(());
            }
        }
        let addr = self.src(a);
        let d = self.push_home(ty)?;
        self.emit_result(match (kind, mem) {
            (LoadOp::I32 | LoadOp::F32, 0) => Instr::I32Load { d, addr, off },
            (LoadOp::I64 | LoadOp::F64, 0) => Instr::I64Load { d, addr, off },
            (LoadOp::I32_8U, 0) => Instr::I32Load8U { d, addr, off },
            (LoadOp::I32_8S, 0) => Instr::I32Load8S { d, addr, off },
            (LoadOp::I32_16U, 0) => Instr::I32Load16U { d, addr, off },
            (LoadOp::I32_16S, 0) => Instr::I32Load16S { d, addr, off },
            (LoadOp::I64_32U, 0) => Instr::I64Load32U { d, addr, off },
            _ => Instr::Load { kind, d, addr, mem, off },
        });
        Ok(())
    }

    fn store(&mut self, kind: StoreOp, memarg: wasmparser::MemArg) -> TResult {
        let (mem, off) = memarg32(&memarg)?;
        let v = self.pop()?;
        let a = self.pop()?;
        if let (Some(ea), 0, StoreOp::B4 | StoreOp::B8) = (const_ea(a, off), mem, kind) {
            let s = self.src(v);
            self.emit(match kind {
                StoreOp::B4 => Instr::I32StoreAt { s, ea },
                _ => Instr::I64StoreAt { s, ea },
            });
            return Ok(());
        }
        if let (Loc::Const(c), 0) = (v.loc, mem) {
            let imm = match kind {
                // A 64-bit constant whose bits are its low 32 sign-extended.
                StoreOp::B8 => i32::try_from(c as i64).ok(),
                _ => Some(c as i32),
            };
            if let Some(v) = imm {
                let addr = self.src(a);
                self.emit(match kind {
                    StoreOp::B1 => Instr::I32Store8Imm { v, addr, off },
                    StoreOp::B2 => Instr::I32Store16Imm { v, addr, off },
                    StoreOp::B4 => Instr::I32StoreImm { v, addr, off },
                    StoreOp::B8 => Instr::I64StoreImm { v, addr, off },
                });
                return Ok(());
            }
        }
        let s = self.src(v);
        let addr = self.src(a);
        self.emit(match (kind, mem) {
            (StoreOp::B4, 0) => Instr::I32Store { s, addr, off },
            (StoreOp::B8, 0) => Instr::I64Store { s, addr, off },
            (StoreOp::B1, 0) => Instr::I32Store8 { s, addr, off },
            (StoreOp::B2, 0) => Instr::I32Store16 { s, addr, off },
            _ => Instr::Store { kind, s, addr, mem, off },
        });
        Ok(())
    }

    fn v128_load(&mut self, kind: V128LoadOp, memarg: wasmparser::MemArg) -> TResult {
        let (mem, off) = memarg32(&memarg)?;
        let a = self.pop()?;
        let addr = self.src(a);
        let d = self.push_home(V128)?;
        self.emit(Instr::V128Load { kind, d, addr, mem, off });
        Ok(())
    }

    fn v128_lane(&mut self, load: bool, width: u8, lane: u8, memarg: wasmparser::MemArg) -> TResult {
        let ext = self.memargs.len() as u32;
        self.memargs.push(memarg32(&memarg)?);
        let [addr, v] = self.pop2()?;
        if load {
            let d = self.push_home(V128)?;
            if d != v {
                self.emit(Instr::CopyV128 { d, s: v });
            }
            self.emit(Instr::V128LoadLane { width, lane, d, addr, ext });
        } else {
            self.emit(Instr::V128StoreLane { width, lane, s: v, addr, ext });
        }
        Ok(())
    }

    fn simd(&mut self, op: simd::SimdOp, lane: u8) -> TResult {
        match op.shape() {
            Shape::Unary | Shape::ToScalar(_) | Shape::FromScalar(_) => {
                let av = self.pop()?;
                let a = self.src(av);
                let ty = match op.shape() {
                    Shape::ToScalar(t) => ValType::from_wasmparser(t).ok_or("bad lane type")?,
                    _ => V128,
                };
                let d = self.push_home(ty)?;
                self.emit(Instr::Simd1 { op, lane, d, a });
            }
            Shape::Binary | Shape::Shift | Shape::Replace(_) => {
                let [a, b] = self.pop2()?;
                let d = self.push_home(V128)?;
                if let Shape::Replace(_) = op.shape() {
                    self.emit(Instr::SimdReplace { op, lane, d, a, b });
                } else {
                    self.emit(Instr::Simd2 { op, d, a, b });
                }
            }
            Shape::Ternary => {
                let [a, b, c] = self.pop3()?;
                let d = self.push_home(V128)?;
                self.emit(Instr::Simd3 { op, d, a, b, c });
            }
        }
        Ok(())
    }
}

fn mem16(index: u32) -> TResult<u16> {
    u16::try_from(index).map_err(|_| "memory or table index too large".to_string())
}

fn memarg32(memarg: &wasmparser::MemArg) -> TResult<(u16, u32)> {
    let mem = match memarg.target {
        wasmparser::MemArgTarget::Memory(m) => mem16(m)?,
        wasmparser::MemArgTarget::Array(_) => return Err("GC array access".into()),
    };
    let off = u32::try_from(memarg.offset).map_err(|_| "memory offset too large".to_string())?;
    Ok((mem, off))
}

fn unop(op: &Op<'_>) -> Option<(UnOp, ValType)> {
    use UnOp as U;
    Some(match op {
        Op::I32Eqz => (U::I32Eqz, I32),
        Op::I64Eqz => (U::I64Eqz, I32),
        Op::I32Clz => (U::I32Clz, I32),
        Op::I32Ctz => (U::I32Ctz, I32),
        Op::I32Popcnt => (U::I32Popcnt, I32),
        Op::I64Clz => (U::I64Clz, I64),
        Op::I64Ctz => (U::I64Ctz, I64),
        Op::I64Popcnt => (U::I64Popcnt, I64),
        Op::F32Abs => (U::F32Abs, F32),
        Op::F32Neg => (U::F32Neg, F32),
        Op::F32Ceil => (U::F32Ceil, F32),
        Op::F32Floor => (U::F32Floor, F32),
        Op::F32Trunc => (U::F32Trunc, F32),
        Op::F32Nearest => (U::F32Nearest, F32),
        Op::F32Sqrt => (U::F32Sqrt, F32),
        Op::F64Abs => (U::F64Abs, F64),
        Op::F64Neg => (U::F64Neg, F64),
        Op::F64Ceil => (U::F64Ceil, F64),
        Op::F64Floor => (U::F64Floor, F64),
        Op::F64Trunc => (U::F64Trunc, F64),
        Op::F64Nearest => (U::F64Nearest, F64),
        Op::F64Sqrt => (U::F64Sqrt, F64),
        Op::I32TruncF32S => (U::I32TruncF32S, I32),
        Op::I32TruncF32U => (U::I32TruncF32U, I32),
        Op::I32TruncF64S => (U::I32TruncF64S, I32),
        Op::I32TruncF64U => (U::I32TruncF64U, I32),
        Op::I64ExtendI32S => (U::I64ExtendI32S, I64),
        Op::I64ExtendI32U => (U::I64ExtendI32U, I64),
        Op::I64TruncF32S => (U::I64TruncF32S, I64),
        Op::I64TruncF32U => (U::I64TruncF32U, I64),
        Op::I64TruncF64S => (U::I64TruncF64S, I64),
        Op::I64TruncF64U => (U::I64TruncF64U, I64),
        Op::F32ConvertI32S => (U::F32ConvertI32S, F32),
        Op::F32ConvertI32U => (U::F32ConvertI32U, F32),
        Op::F32ConvertI64S => (U::F32ConvertI64S, F32),
        Op::F32ConvertI64U => (U::F32ConvertI64U, F32),
        Op::F32DemoteF64 => (U::F32DemoteF64, F32),
        Op::F64ConvertI32S => (U::F64ConvertI32S, F64),
        Op::F64ConvertI32U => (U::F64ConvertI32U, F64),
        Op::F64ConvertI64S => (U::F64ConvertI64S, F64),
        Op::F64ConvertI64U => (U::F64ConvertI64U, F64),
        Op::F64PromoteF32 => (U::F64PromoteF32, F64),
        Op::I32Extend8S => (U::I32Extend8S, I32),
        Op::I32Extend16S => (U::I32Extend16S, I32),
        Op::I64Extend8S => (U::I64Extend8S, I64),
        Op::I64Extend16S => (U::I64Extend16S, I64),
        Op::I64Extend32S => (U::I64Extend32S, I64),
        Op::I32TruncSatF32S => (U::I32TruncSatF32S, I32),
        Op::I32TruncSatF32U => (U::I32TruncSatF32U, I32),
        Op::I32TruncSatF64S => (U::I32TruncSatF64S, I32),
        Op::I32TruncSatF64U => (U::I32TruncSatF64U, I32),
        Op::I64TruncSatF32S => (U::I64TruncSatF32S, I64),
        Op::I64TruncSatF32U => (U::I64TruncSatF32U, I64),
        Op::I64TruncSatF64S => (U::I64TruncSatF64S, I64),
        Op::I64TruncSatF64U => (U::I64TruncSatF64U, I64),
        _ => return None,
    })
}

fn binop(op: &Op<'_>) -> Option<(BinOp, ValType)> {
    use BinOp as B;
    Some(match op {
        Op::I64Eq => (B::I64Eq, I32),
        Op::I64Ne => (B::I64Ne, I32),
        Op::I64LtS => (B::I64LtS, I32),
        Op::I64LtU => (B::I64LtU, I32),
        Op::I64GtS => (B::I64GtS, I32),
        Op::I64GtU => (B::I64GtU, I32),
        Op::I64LeS => (B::I64LeS, I32),
        Op::I64LeU => (B::I64LeU, I32),
        Op::I64GeS => (B::I64GeS, I32),
        Op::I64GeU => (B::I64GeU, I32),
        Op::F32Eq => (B::F32Eq, I32),
        Op::F32Ne => (B::F32Ne, I32),
        Op::F32Lt => (B::F32Lt, I32),
        Op::F32Gt => (B::F32Gt, I32),
        Op::F32Le => (B::F32Le, I32),
        Op::F32Ge => (B::F32Ge, I32),
        Op::F64Eq => (B::F64Eq, I32),
        Op::F64Ne => (B::F64Ne, I32),
        Op::F64Lt => (B::F64Lt, I32),
        Op::F64Gt => (B::F64Gt, I32),
        Op::F64Le => (B::F64Le, I32),
        Op::F64Ge => (B::F64Ge, I32),
        Op::I32Mul => (B::I32Mul, I32),
        Op::I32DivS => (B::I32DivS, I32),
        Op::I32DivU => (B::I32DivU, I32),
        Op::I32RemS => (B::I32RemS, I32),
        Op::I32RemU => (B::I32RemU, I32),
        Op::I32And => (B::I32And, I32),
        Op::I32Or => (B::I32Or, I32),
        Op::I32Xor => (B::I32Xor, I32),
        Op::I32Shl => (B::I32Shl, I32),
        Op::I32ShrS => (B::I32ShrS, I32),
        Op::I32ShrU => (B::I32ShrU, I32),
        Op::I32Rotl => (B::I32Rotl, I32),
        Op::I32Rotr => (B::I32Rotr, I32),
        Op::I64Mul => (B::I64Mul, I64),
        Op::I64DivS => (B::I64DivS, I64),
        Op::I64DivU => (B::I64DivU, I64),
        Op::I64RemS => (B::I64RemS, I64),
        Op::I64RemU => (B::I64RemU, I64),
        Op::I64And => (B::I64And, I64),
        Op::I64Or => (B::I64Or, I64),
        Op::I64Xor => (B::I64Xor, I64),
        Op::I64Shl => (B::I64Shl, I64),
        Op::I64ShrS => (B::I64ShrS, I64),
        Op::I64ShrU => (B::I64ShrU, I64),
        Op::I64Rotl => (B::I64Rotl, I64),
        Op::I64Rotr => (B::I64Rotr, I64),
        Op::F32Add => (B::F32Add, F32),
        Op::F32Sub => (B::F32Sub, F32),
        Op::F32Mul => (B::F32Mul, F32),
        Op::F32Div => (B::F32Div, F32),
        Op::F32Min => (B::F32Min, F32),
        Op::F32Max => (B::F32Max, F32),
        Op::F32Copysign => (B::F32Copysign, F32),
        Op::F64Add => (B::F64Add, F64),
        Op::F64Sub => (B::F64Sub, F64),
        Op::F64Mul => (B::F64Mul, F64),
        Op::F64Div => (B::F64Div, F64),
        Op::F64Min => (B::F64Min, F64),
        Op::F64Max => (B::F64Max, F64),
        Op::F64Copysign => (B::F64Copysign, F64),
        _ => return None,
    })
}

/// The effective address of an access whose address operand is a constant, if it fits in 32
/// bits (beyond that every access traps, which the general form reports).
fn const_ea(addr: Operand, off: u32) -> Option<u32> {
    match addr.loc {
        Loc::Const(c) => u32::try_from(u64::from(c as u32) + u64::from(off)).ok(),
        _ => None,
    }
}
