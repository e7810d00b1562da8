//! One handler per instruction (see `exec/dispatch.rs` for how they are chained), grouped
//! like the IR: control and calls, data movement and globals, memory and tables, numeric,
//! SIMD. [`handler_for`] is the one place that pairs an [`Instr`] with its handler.

mod control;
mod data;
mod memory;
mod numeric;
mod simd;

use super::dispatch::Handler;
use crate::ir::Instr;

/// Defines handlers: `name = Variant { fields } => { body }` makes `unsafe fn name` that
/// takes the op's fields, runs `body` and continues with the next op. A body that continues
/// elsewhere, stops the frame or traps does so with `return` (through `next!` or
/// `Cx::stop`/`Cx::trap`). The idents in `|ip, fp, cx|` name the op pointer, the frame and
/// the context in the bodies.
macro_rules! handlers {
    (|$ip:ident, $fp:ident, $cx:ident| $( $name:ident = $variant:ident { $($field:ident),* } => $body:block )*) => {
        $(
            #[allow(unreachable_code, unused_variables, clippy::unused_unit)]
            pub(super) unsafe fn $name(
                $ip: *const $crate::exec::dispatch::Op,
                $fp: $crate::exec::dispatch::Regs,
                $cx: &mut $crate::exec::dispatch::Cx,
            ) -> $crate::exec::dispatch::Flow {
                // SAFETY: `handler_for` gave this handler only to ops of this variant.
                let $crate::ir::Instr::$variant { $($field,)* .. } = (unsafe { *$ip }).instr else {
                    unsafe { std::hint::unreachable_unchecked() }
                };
                $body
                // SAFETY: the op is not the function's last (verify: the last op never falls
                // through), so the next one is in the code.
                $crate::exec::dispatch::next!(unsafe { $ip.add(1) }, $fp, $cx)
            }
        )*
    };
}
use handlers;

/// Returns from a handler with a trap unless `$e` is `Ok`.
macro_rules! or_trap {
    ($cx:ident, $ip:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return $cx.trap($ip, code),
        }
    };
}
use or_trap;

/// `$handler::<OP>` for comparison `$op`, where `OP` is its discriminant.
macro_rules! by_cmp_op {
    ($op:expr, $module:ident :: $handler:ident) => {{
        use crate::ir::CmpOp as C;
        match $op {
            C::Eq => $module::$handler::<{ C::Eq as u8 }>,
            C::Ne => $module::$handler::<{ C::Ne as u8 }>,
            C::LtS => $module::$handler::<{ C::LtS as u8 }>,
            C::LtU => $module::$handler::<{ C::LtU as u8 }>,
            C::GtS => $module::$handler::<{ C::GtS as u8 }>,
            C::GtU => $module::$handler::<{ C::GtU as u8 }>,
            C::LeS => $module::$handler::<{ C::LeS as u8 }>,
            C::LeU => $module::$handler::<{ C::LeU as u8 }>,
            C::GeS => $module::$handler::<{ C::GeS as u8 }>,
            C::GeU => $module::$handler::<{ C::GeU as u8 }>,
        }
    }};
}
#[allow(unused_imports)]
pub(super) use by_cmp_op;

/// The handler of `instr`'s variant (and, for generic numeric instructions, operator).
pub(super) fn handler_for(instr: &Instr) -> Handler {
    use Instr as I;
    match *instr {
        I::Unreachable => control::unreachable,
        I::Fuel { .. } => control::fuel,
        I::CheckInterrupt => control::check_interrupt,
        I::Br { .. } => control::br,
        I::BrIfNz { .. } => control::br_if_nz,
        I::BrIfEqz { .. } => control::br_if_eqz,
        I::BrCmpI32 { op, .. } => by_cmp_op!(op, control::br_cmp_i32),
        I::BrCmpI32Imm { op, .. } => by_cmp_op!(op, control::br_cmp_i32_imm),
        I::BrTable { .. } => control::br_table,
        I::Return => control::ret,
        I::Call { .. } => control::call,
        I::CallInternal { .. } => control::call_internal,
        I::ReturnCall { .. } => control::return_call,
        I::CallIndirect { .. } => control::call_indirect,
        I::ReturnCallIndirect { .. } => control::return_call_indirect,

        I::Copy { .. } => data::copy,
        I::CopyV128 { .. } => data::copy_v128,
        I::Const32 { .. } => data::const32,
        I::Const64 { .. } => data::const64,
        I::ConstV128 { .. } => data::const_v128,
        I::Select { .. } => data::select,
        I::SelectV128 { .. } => data::select_v128,
        I::GlobalGet { .. } => data::global_get,
        I::GlobalSet { .. } => data::global_set,
        I::GlobalGetV128 { .. } => data::global_get_v128,
        I::GlobalSetV128 { .. } => data::global_set_v128,

        I::Load { .. } => memory::load,
        I::Store { .. } => memory::store,
        I::MemorySize { .. } => memory::memory_size,
        I::MemoryGrow { .. } => memory::memory_grow,
        I::MemoryFill { .. } => memory::memory_fill,
        I::MemoryCopy { .. } => memory::memory_copy,
        I::MemoryInit { .. } => memory::memory_init,
        I::DataDrop { .. } => memory::data_drop,
        I::I32Load { .. } => memory::i32_load,
        I::I64Load { .. } => memory::i64_load,
        I::I32Load8U { .. } => memory::i32_load8_u,
        I::I32Load8S { .. } => memory::i32_load8_s,
        I::I32Load16U { .. } => memory::i32_load16_u,
        I::I32Load16S { .. } => memory::i32_load16_s,
        I::I64Load32U { .. } => memory::i64_load32_u,
        I::I32Store { .. } => memory::i32_store,
        I::I64Store { .. } => memory::i64_store,
        I::I32Store8 { .. } => memory::i32_store8,
        I::I32Store16 { .. } => memory::i32_store16,
        I::I32LoadAdd { .. } => memory::i32_load_add,
        I::I64LoadAdd { .. } => memory::i64_load_add,
        I::I32LoadAt { .. } => memory::i32_load_at,
        I::I64LoadAt { .. } => memory::i64_load_at,
        I::I32StoreAt { .. } => memory::i32_store_at,
        I::I64StoreAt { .. } => memory::i64_store_at,

        I::TableGet { .. } => memory::table_get,
        I::TableSet { .. } => memory::table_set,
        I::TableSize { .. } => memory::table_size,
        I::TableGrow { .. } => memory::table_grow,
        I::TableFill { .. } => memory::table_fill,
        I::TableCopy { .. } => memory::table_copy,
        I::TableInit { .. } => memory::table_init,
        I::ElemDrop { .. } => memory::elem_drop,
        I::RefFunc { .. } => data::ref_func,

        I::Unary { op, .. } => numeric::unary_handler(op),
        I::Binary { op, .. } => numeric::binary_handler(op),
        I::I32AddImm { .. } => numeric::i32_add_imm,
        I::I64AddImm { .. } => numeric::i64_add_imm,
        I::I32Add { .. } => numeric::i32_add,
        I::I32Sub { .. } => numeric::i32_sub,
        I::I64Add { .. } => numeric::i64_add,
        I::I64Sub { .. } => numeric::i64_sub,
        I::I32Cmp { op, .. } => by_cmp_op!(op, numeric::i32_cmp),
        I::I32CmpImm { op, .. } => by_cmp_op!(op, numeric::i32_cmp_imm),
        I::I32Mul { .. } => numeric::i32_mul,
        I::I32And { .. } => numeric::i32_and,
        I::I32Or { .. } => numeric::i32_or,
        I::I32Xor { .. } => numeric::i32_xor,
        I::I32Shl { .. } => numeric::i32_shl,
        I::I32ShrS { .. } => numeric::i32_shr_s,
        I::I32ShrU { .. } => numeric::i32_shr_u,
        I::I64Mul { .. } => numeric::i64_mul,
        I::I64And { .. } => numeric::i64_and,
        I::I64Or { .. } => numeric::i64_or,
        I::I64Xor { .. } => numeric::i64_xor,
        I::I64Shl { .. } => numeric::i64_shl,
        I::I64ShrS { .. } => numeric::i64_shr_s,
        I::I64ShrU { .. } => numeric::i64_shr_u,
        I::F32Add { .. } => numeric::f32_add,
        I::F32Sub { .. } => numeric::f32_sub,
        I::F32Mul { .. } => numeric::f32_mul,
        I::F64Add { .. } => numeric::f64_add,
        I::F64Sub { .. } => numeric::f64_sub,
        I::F64Mul { .. } => numeric::f64_mul,
        I::F64Div { .. } => numeric::f64_div,
        I::F64MulAdd { .. } => numeric::f64_mul_add,
        I::I32AndImm { .. } => numeric::i32_and_imm,
        I::I32OrImm { .. } => numeric::i32_or_imm,
        I::I32XorImm { .. } => numeric::i32_xor_imm,
        I::I32ShlImm { .. } => numeric::i32_shl_imm,
        I::I32ShrSImm { .. } => numeric::i32_shr_s_imm,
        I::I32ShrUImm { .. } => numeric::i32_shr_u_imm,
        I::I32RotlImm { .. } => numeric::i32_rotl_imm,
        I::I32MulImm { .. } => numeric::i32_mul_imm,
        I::I64ShlImm { .. } => numeric::i64_shl_imm,
        I::I64ShrSImm { .. } => numeric::i64_shr_s_imm,
        I::I64ShrUImm { .. } => numeric::i64_shr_u_imm,
        I::I64RotlImm { .. } => numeric::i64_rotl_imm,
        I::I64AndImm { .. } => numeric::i64_and_imm,
        I::I64OrImm { .. } => numeric::i64_or_imm,
        I::I64XorImm { .. } => numeric::i64_xor_imm,
        I::I64MulImm { .. } => numeric::i64_mul_imm,
        I::I64ExtendI32U { .. } => numeric::i64_extend_i32_u,

        I::Simd1 { .. } => simd::simd1,
        I::Simd2 { .. } => simd::simd2,
        I::Simd3 { .. } => simd::simd3,
        I::SimdReplace { .. } => simd::simd_replace,
        I::Shuffle { .. } => simd::shuffle,
        I::V128Load { .. } => simd::v128_load,
        I::V128Store { .. } => simd::v128_store,
        I::V128LoadLane { .. } => simd::v128_load_lane,
        I::V128StoreLane { .. } => simd::v128_store_lane,
    }
}
