//! One handler per instruction (see `exec/dispatch.rs` for how they are chained), grouped
//! like the IR: control and calls, data movement and globals, memory and tables, numeric,
//! SIMD. [`handler_for`] is the one place that pairs an [`Instr`] with its handler.

mod control;
mod data;
mod memory;
mod numeric;
mod simd;

use super::dispatch::Handler;
use crate::ir::{Instr, Slot};

/// Defines handlers. The idents in `|ip, fp, cx, acc|` name, in the bodies, the op pointer,
/// the frame, the context and the accumulator (the value the previous op produced, if it is
/// a producer; see `dispatch`). Each item is one of
///
/// - `name = Variant { fields } => { body }`: runs `body`, then continues with the next op
///   and the accumulator unchanged;
/// - `name = Variant { fields } => produce d { expr }`: writes `expr` (a `u64`) to slot `d`
///   and continues with it as the accumulator;
/// - either form with `name(x)`: `x`, one of the fields (a slot), is rebound to its value,
///   and the handler is generic over `const ACC: bool`: with `ACC` the value is the
///   accumulator instead of a read of slot `x` (`handler_for` picks that form when the op
///   before produced slot `x`);
/// - and with `name<OP>(x)`, also generic over `const OP: u8`, a [`crate::ir::CmpOp`]
///   discriminant: one handler per comparison ([`by_cmp_op`] picks it).
///
/// A body that continues elsewhere, stops the frame or traps does so with `return` (through
/// `next!` or `Cx::stop`/`Cx::trap`).
macro_rules! handlers {
    (|$ip:ident, $fp:ident, $cx:ident, $acc:ident| $($items:tt)*) => {
        $crate::exec::handlers::handlers!(@item [$ip $fp $cx $acc] $($items)*);
    };
    (@item $ids:tt) => {};
    (@item [$ip:ident $fp:ident $cx:ident $acc:ident]
        $name:ident $(<$op:ident>)? ($x:ident) = $variant:ident { $($field:ident),* } => produce $d:ident $body:block
        $($rest:tt)*
    ) => {
        $crate::exec::handlers::handlers!(@fn [$ip $fp $cx $acc] $name [$(const $op: u8,)? const ACC: bool] $variant { $($field),* }
            [$crate::exec::handlers::handlers!(@operand $fp $acc $x);] { let v: u64 = $body; $fp.w($d, v); v });
        $crate::exec::handlers::handlers!(@item [$ip $fp $cx $acc] $($rest)*);
    };
    (@item [$ip:ident $fp:ident $cx:ident $acc:ident]
        $name:ident $(<$op:ident>)? ($x:ident) = $variant:ident { $($field:ident),* } => $body:block
        $($rest:tt)*
    ) => {
        $crate::exec::handlers::handlers!(@fn [$ip $fp $cx $acc] $name [$(const $op: u8,)? const ACC: bool] $variant { $($field),* }
            [$crate::exec::handlers::handlers!(@operand $fp $acc $x);] { $body; $acc });
        $crate::exec::handlers::handlers!(@item [$ip $fp $cx $acc] $($rest)*);
    };
    (@item [$ip:ident $fp:ident $cx:ident $acc:ident]
        $name:ident = $variant:ident { $($field:ident),* } => produce $d:ident $body:block
        $($rest:tt)*
    ) => {
        $crate::exec::handlers::handlers!(@fn [$ip $fp $cx $acc] $name [] $variant { $($field),* }
            [] { let v: u64 = $body; $fp.w($d, v); v });
        $crate::exec::handlers::handlers!(@item [$ip $fp $cx $acc] $($rest)*);
    };
    (@item [$ip:ident $fp:ident $cx:ident $acc:ident]
        $name:ident = $variant:ident { $($field:ident),* } => $body:block
        $($rest:tt)*
    ) => {
        $crate::exec::handlers::handlers!(@fn [$ip $fp $cx $acc] $name [] $variant { $($field),* }
            [] { $body; $acc });
        $crate::exec::handlers::handlers!(@item [$ip $fp $cx $acc] $($rest)*);
    };
    // The operand `$x` (a slot) rebound to its value: the accumulator or the slot's contents.
    (@operand $fp:ident $acc:ident $x:ident) => {
        let $x: u64 = if ACC {
            // The accumulator is the value the previous op wrote to this slot (checked in
            // builds with debug assertions, which the unoptimised test run has).
            debug_assert_eq!($acc, $fp.r($x), "accumulator differs from slot {}", $x);
            $acc
        } else {
            $fp.r($x)
        };
    };
    (@fn [$ip:ident $fp:ident $cx:ident $acc:ident] $name:ident [$($generic:tt)*] $variant:ident { $($field:ident),* }
        [$($bind:tt)*] $continue_with:block
    ) => {
        #[allow(unreachable_code, unused_variables, unused_mut, clippy::unused_unit)]
        #[cfg_attr(target_os = "linux", link_section = ".text.hot.tessera_handlers")]
        pub(super) unsafe fn $name<$($generic)*>(
            $ip: *const $crate::exec::dispatch::Op,
            $fp: $crate::exec::dispatch::Regs,
            $cx: &mut $crate::exec::dispatch::Cx,
            $acc: u64,
        ) -> $crate::exec::dispatch::Flow {
            // SAFETY: `handler_for` gave this handler only to ops of this variant.
            let $crate::ir::Instr::$variant { $($field,)* .. } = (unsafe { *$ip }).instr else {
                unsafe { std::hint::unreachable_unchecked() }
            };
            $($bind)*
            let next_acc: u64 = $continue_with;
            // SAFETY: the op is not the function's last (verify: the last op never falls
            // through), so the next one is in the code.
            $crate::exec::dispatch::next!(unsafe { $ip.add(1) }, $fp, $cx, next_acc)
        }
    };
}
pub(super) use handlers;

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

/// `$module::$handler::<OP, ACC>` for comparison `$op` (`OP` its discriminant), `ACC` whether
/// operand `a` comes from the accumulator.
macro_rules! by_cmp_op {
    ($op:expr, $acc:expr, $module:ident :: $handler:ident) => {
        if $acc {
            by_cmp_op!(@ $op, true, $module::$handler)
        } else {
            by_cmp_op!(@ $op, false, $module::$handler)
        }
    };
    (@ $op:expr, $acc:literal, $module:ident :: $handler:ident) => {{
        use crate::ir::CmpOp as C;
        match $op {
            C::Eq => $module::$handler::<{ C::Eq as u8 }, $acc> as Handler,
            C::Ne => $module::$handler::<{ C::Ne as u8 }, $acc>,
            C::LtS => $module::$handler::<{ C::LtS as u8 }, $acc>,
            C::LtU => $module::$handler::<{ C::LtU as u8 }, $acc>,
            C::GtS => $module::$handler::<{ C::GtS as u8 }, $acc>,
            C::GtU => $module::$handler::<{ C::GtU as u8 }, $acc>,
            C::LeS => $module::$handler::<{ C::LeS as u8 }, $acc>,
            C::LeU => $module::$handler::<{ C::LeU as u8 }, $acc>,
            C::GeS => $module::$handler::<{ C::GeS as u8 }, $acc>,
            C::GeU => $module::$handler::<{ C::GeU as u8 }, $acc>,
        }
    }};
}

/// `$module::$handler::<true>` (operand from the accumulator) if `$x` is the accumulator's
/// slot, else `::<false>`.
macro_rules! acc_if {
    ($acc:expr, $x:expr, $module:ident :: $handler:ident) => {
        if $acc == Some($x) {
            $module::$handler::<true> as Handler
        } else {
            $module::$handler::<false>
        }
    };
}

/// The handler for `instr`, given that the op before it produced slot `acc` into the
/// accumulator (`None`: nothing usable). May swap the operands of a commutative integer
/// operator so that the accumulator's is the first.
pub(super) fn handler_for(instr: &mut Instr, acc: Option<Slot>) -> Handler {
    use Instr as I;
    if let Some(x) = acc {
        swap_to_first(instr, x);
    }
    match *instr {
        I::Unreachable => control::unreachable,
        I::Fuel { .. } => control::fuel,
        I::CheckInterrupt => control::check_interrupt,
        I::Br { .. } => control::br,
        I::BrIfNz { c, .. } => acc_if!(acc, c, control::br_if_nz),
        I::BrIfEqz { c, .. } => acc_if!(acc, c, control::br_if_eqz),
        I::BrCmpI32 { op, a, .. } => by_cmp_op!(op, acc == Some(a), control::br_cmp_i32),
        I::BrCmpI32Imm { op, a, .. } => by_cmp_op!(op, acc == Some(a), control::br_cmp_i32_imm),
        I::BrTable { .. } => control::br_table,
        I::Return => control::ret,
        I::Call { .. } => control::call,
        I::CallInternal { .. } => control::call_internal,
        I::ReturnCall { .. } => control::return_call,
        I::CallIndirect { .. } => control::call_indirect,
        I::ReturnCallIndirect { .. } => control::return_call_indirect,

        I::Copy { s, .. } => acc_if!(acc, s, data::copy),
        I::CopyV128 { .. } => data::copy_v128,
        I::Const32 { .. } => data::const32,
        I::Const64 { .. } => data::const64,
        I::ConstV128 { .. } => data::const_v128,
        I::Select { .. } => data::select,
        I::SelectV128 { .. } => data::select_v128,
        I::GlobalGet { .. } => data::global_get,
        I::GlobalSet { s, .. } => acc_if!(acc, s, data::global_set),
        I::GlobalSetAddImm { a, .. } => acc_if!(acc, a, data::global_set_add_imm),
        I::GlobalAddImm { .. } => data::global_add_imm,
        I::GlobalGetV128 { .. } => data::global_get_v128,
        I::GlobalSetV128 { .. } => data::global_set_v128,

        I::Load { addr, .. } => acc_if!(acc, addr, memory::load),
        I::Store { .. } => memory::store,
        I::MemorySize { .. } => memory::memory_size,
        I::MemoryGrow { .. } => memory::memory_grow,
        I::MemoryFill { .. } => memory::memory_fill,
        I::MemoryCopy { .. } => memory::memory_copy,
        I::MemoryInit { .. } => memory::memory_init,
        I::DataDrop { .. } => memory::data_drop,
        I::I32Load { addr, .. } => acc_if!(acc, addr, memory::i32_load),
        I::I64Load { addr, .. } => acc_if!(acc, addr, memory::i64_load),
        I::I32Load8U { addr, .. } => acc_if!(acc, addr, memory::i32_load8_u),
        I::I32Load8S { addr, .. } => acc_if!(acc, addr, memory::i32_load8_s),
        I::I32Load16U { addr, .. } => acc_if!(acc, addr, memory::i32_load16_u),
        I::I32Load16S { addr, .. } => acc_if!(acc, addr, memory::i32_load16_s),
        I::I64Load32U { addr, .. } => acc_if!(acc, addr, memory::i64_load32_u),
        I::I32Store { s, .. } => acc_if!(acc, s, memory::i32_store),
        I::I64Store { s, .. } => acc_if!(acc, s, memory::i64_store),
        I::I32Store8 { s, .. } => acc_if!(acc, s, memory::i32_store8),
        I::I32Store16 { s, .. } => acc_if!(acc, s, memory::i32_store16),
        I::I32StoreImm { addr, .. } => acc_if!(acc, addr, memory::i32_store_imm),
        I::I64StoreImm { addr, .. } => acc_if!(acc, addr, memory::i64_store_imm),
        I::I32Store8Imm { addr, .. } => acc_if!(acc, addr, memory::i32_store8_imm),
        I::I32Store16Imm { addr, .. } => acc_if!(acc, addr, memory::i32_store16_imm),
        I::I32LoadAdd { a, .. } => acc_if!(acc, a, memory::i32_load_add),
        I::I32LoadIdx { a, .. } => acc_if!(acc, a, memory::i32_load_idx),
        I::I32Load8UIdx { a, .. } => acc_if!(acc, a, memory::i32_load8_u_idx),
        I::I64LoadAdd { a, .. } => acc_if!(acc, a, memory::i64_load_add),
        I::I32LoadAt { .. } => memory::i32_load_at,
        I::I64LoadAt { .. } => memory::i64_load_at,
        I::I32StoreAt { s, .. } => acc_if!(acc, s, memory::i32_store_at),
        I::I64StoreAt { s, .. } => acc_if!(acc, s, memory::i64_store_at),

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
        I::I32Cmp { op, a, .. } => by_cmp_op!(op, acc == Some(a), numeric::i32_cmp),
        I::I32CmpImm { op, a, .. } => by_cmp_op!(op, acc == Some(a), numeric::i32_cmp_imm),
        I::I32AddImm { a, .. } => acc_if!(acc, a, numeric::i32_add_imm),
        I::I64AddImm { a, .. } => acc_if!(acc, a, numeric::i64_add_imm),
        I::I32Add { a, .. } => acc_if!(acc, a, numeric::i32_add),
        I::I32Sub { a, .. } => acc_if!(acc, a, numeric::i32_sub),
        I::I64Add { a, .. } => acc_if!(acc, a, numeric::i64_add),
        I::I64Sub { a, .. } => acc_if!(acc, a, numeric::i64_sub),
        I::I32Mul { a, .. } => acc_if!(acc, a, numeric::i32_mul),
        I::I32And { a, .. } => acc_if!(acc, a, numeric::i32_and),
        I::I32Or { a, .. } => acc_if!(acc, a, numeric::i32_or),
        I::I32Xor { a, .. } => acc_if!(acc, a, numeric::i32_xor),
        I::I32Shl { a, .. } => acc_if!(acc, a, numeric::i32_shl),
        I::I32ShrS { a, .. } => acc_if!(acc, a, numeric::i32_shr_s),
        I::I32ShrU { a, .. } => acc_if!(acc, a, numeric::i32_shr_u),
        I::I64Mul { a, .. } => acc_if!(acc, a, numeric::i64_mul),
        I::I64And { a, .. } => acc_if!(acc, a, numeric::i64_and),
        I::I64Or { a, .. } => acc_if!(acc, a, numeric::i64_or),
        I::I64Xor { a, .. } => acc_if!(acc, a, numeric::i64_xor),
        I::I64Shl { a, .. } => acc_if!(acc, a, numeric::i64_shl),
        I::I64ShrS { a, .. } => acc_if!(acc, a, numeric::i64_shr_s),
        I::I64ShrU { a, .. } => acc_if!(acc, a, numeric::i64_shr_u),
        I::F32Add { a, .. } => acc_if!(acc, a, numeric::f32_add),
        I::F32Sub { a, .. } => acc_if!(acc, a, numeric::f32_sub),
        I::F32Mul { a, .. } => acc_if!(acc, a, numeric::f32_mul),
        I::F64Add { a, .. } => acc_if!(acc, a, numeric::f64_add),
        I::F64Sub { a, .. } => acc_if!(acc, a, numeric::f64_sub),
        I::F64Mul { a, .. } => acc_if!(acc, a, numeric::f64_mul),
        I::F64Div { a, .. } => acc_if!(acc, a, numeric::f64_div),
        I::F64MulAdd { y, .. } => acc_if!(acc, y, numeric::f64_mul_add),
        I::I32AndImm { a, .. } => acc_if!(acc, a, numeric::i32_and_imm),
        I::I32OrImm { a, .. } => acc_if!(acc, a, numeric::i32_or_imm),
        I::I32XorImm { a, .. } => acc_if!(acc, a, numeric::i32_xor_imm),
        I::I32ShlImm { a, .. } => acc_if!(acc, a, numeric::i32_shl_imm),
        I::I32ShrSImm { a, .. } => acc_if!(acc, a, numeric::i32_shr_s_imm),
        I::I32ShrUImm { a, .. } => acc_if!(acc, a, numeric::i32_shr_u_imm),
        I::I32RotlImm { a, .. } => acc_if!(acc, a, numeric::i32_rotl_imm),
        I::I32MulImm { a, .. } => acc_if!(acc, a, numeric::i32_mul_imm),
        I::I64ShlImm { a, .. } => acc_if!(acc, a, numeric::i64_shl_imm),
        I::I64ShrSImm { a, .. } => acc_if!(acc, a, numeric::i64_shr_s_imm),
        I::I64ShrUImm { a, .. } => acc_if!(acc, a, numeric::i64_shr_u_imm),
        I::I64RotlImm { a, .. } => acc_if!(acc, a, numeric::i64_rotl_imm),
        I::I64AndImm { a, .. } => acc_if!(acc, a, numeric::i64_and_imm),
        I::I64OrImm { a, .. } => acc_if!(acc, a, numeric::i64_or_imm),
        I::I64XorImm { a, .. } => acc_if!(acc, a, numeric::i64_xor_imm),
        I::I64MulImm { a, .. } => acc_if!(acc, a, numeric::i64_mul_imm),
        I::I64ExtendI32U { s, .. } => acc_if!(acc, s, numeric::i64_extend_i32_u),

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

/// For a commutative integer operator whose second operand is slot `x` and first is not,
/// swaps the operands (the accumulator forms take it first).
fn swap_to_first(instr: &mut Instr, x: Slot) {
    use Instr as I;
    match instr {
        I::I32Add { a, b, .. }
        | I::I32Mul { a, b, .. }
        | I::I32And { a, b, .. }
        | I::I32Or { a, b, .. }
        | I::I32Xor { a, b, .. }
        | I::I64Add { a, b, .. }
        | I::I64Mul { a, b, .. }
        | I::I64And { a, b, .. }
        | I::I64Or { a, b, .. }
        | I::I64Xor { a, b, .. }
        | I::I32LoadIdx { a, b, .. }
        | I::I32Load8UIdx { a, b, .. }
            if *b == x && *a != x =>
        {
            std::mem::swap(a, b)
        }
        _ => {}
    }
}

/// The slot whose new value `instr`'s handler passes on as the accumulator, if it is a
/// producer (a `produce` handler in `handlers!`, or a per-operator or per-comparison one).
/// Must agree with the handlers: a consumer after an op wrongly listed here would read a
/// stale accumulator (builds with debug assertions check every accumulator read).
pub(super) fn produces(instr: &Instr) -> Option<Slot> {
    use Instr as I;
    match *instr {
        I::Copy { d, .. }
        | I::Const32 { d, .. }
        | I::Const64 { d, .. }
        | I::Select { d, .. }
        | I::GlobalGet { d, .. }
        | I::GlobalAddImm { d, .. }
        | I::RefFunc { d, .. }
        | I::Load { d, .. }
        | I::I32Load { d, .. }
        | I::I32LoadIdx { d, .. }
        | I::I32Load8UIdx { d, .. }
        | I::I64Load { d, .. }
        | I::I32Load8U { d, .. }
        | I::I32Load8S { d, .. }
        | I::I32Load16U { d, .. }
        | I::I32Load16S { d, .. }
        | I::I64Load32U { d, .. }
        | I::I32LoadAdd { d, .. }
        | I::I64LoadAdd { d, .. }
        | I::I32LoadAt { d, .. }
        | I::I64LoadAt { d, .. }
        | I::Unary { d, .. }
        | I::Binary { d, .. }
        | I::I32Cmp { d, .. }
        | I::I32CmpImm { d, .. }
        | I::I32AddImm { d, .. }
        | I::I64AddImm { d, .. }
        | I::I32Add { d, .. }
        | I::I32Sub { d, .. }
        | I::I64Add { d, .. }
        | I::I64Sub { d, .. }
        | I::I32Mul { d, .. }
        | I::I32And { d, .. }
        | I::I32Or { d, .. }
        | I::I32Xor { d, .. }
        | I::I32Shl { d, .. }
        | I::I32ShrS { d, .. }
        | I::I32ShrU { d, .. }
        | I::I64Mul { d, .. }
        | I::I64And { d, .. }
        | I::I64Or { d, .. }
        | I::I64Xor { d, .. }
        | I::I64Shl { d, .. }
        | I::I64ShrS { d, .. }
        | I::I64ShrU { d, .. }
        | I::F32Add { d, .. }
        | I::F32Sub { d, .. }
        | I::F32Mul { d, .. }
        | I::F64Add { d, .. }
        | I::F64Sub { d, .. }
        | I::F64Mul { d, .. }
        | I::F64Div { d, .. }
        | I::F64MulAdd { d, .. }
        | I::I32AndImm { d, .. }
        | I::I32OrImm { d, .. }
        | I::I32XorImm { d, .. }
        | I::I32ShlImm { d, .. }
        | I::I32ShrSImm { d, .. }
        | I::I32ShrUImm { d, .. }
        | I::I32RotlImm { d, .. }
        | I::I32MulImm { d, .. }
        | I::I64ShlImm { d, .. }
        | I::I64ShrSImm { d, .. }
        | I::I64ShrUImm { d, .. }
        | I::I64RotlImm { d, .. }
        | I::I64AndImm { d, .. }
        | I::I64OrImm { d, .. }
        | I::I64XorImm { d, .. }
        | I::I64MulImm { d, .. }
        | I::I64ExtendI32U { d, .. } => Some(d),
        _ => None,
    }
}
