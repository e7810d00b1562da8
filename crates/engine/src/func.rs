//! Calling functions: [`Func::call`], [`TypedFunc`], host functions and [`Caller`].

use std::marker::PhantomData;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::store::{Extern, ExternRef, Func, Memory, Store};
use crate::value::{FuncType, Val, ValType};
use crate::Instance;

/// A host function as stored: it reads its parameters and writes its results.
pub(crate) type HostFn<T> =
    Arc<dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static>;

/// What a host function sees of its caller: the store (and so the host state) and the
/// calling instance's exports (for its memory).
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<Instance>,
}

impl<T> Caller<'_, T> {
    pub fn data(&self) -> &T {
        self.store.data()
    }

    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    pub fn store(&mut self) -> &mut Store<T> {
        self.store
    }

    /// The store's interrupt handle, for host functions that block.
    pub fn interrupt_handle(&self) -> crate::InterruptHandle {
        self.store.interrupt_handle()
    }

    /// An export of the calling instance, usually its `memory`.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        self.instance.and_then(|i| i.get_export(self.store, name))
    }

    /// The calling instance's exported memory called `memory`, or its first memory.
    pub fn memory(&self) -> Option<Memory> {
        let inst = self.instance?;
        if let Some(Extern::Memory(m)) = inst.get_export(self.store, "memory") {
            return Some(m);
        }
        self.store.inner.instances[inst.0 as usize].memories.first().map(|m| Memory(*m))
    }
}

impl Func {
    /// Creates a host function with a dynamic signature.
    pub fn new<T: 'static>(
        store: &mut Store<T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        store.alloc_host_func(&ty, Arc::new(f))
    }

    /// Creates a host function from a Rust closure; see [`IntoFunc`].
    pub fn wrap<T: 'static, Params, Results>(
        store: &mut Store<T>,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, f) = f.into_func();
        store.alloc_host_func(&ty, f)
    }

    /// Calls the function with `params`, writing `results`.
    ///
    /// # Errors
    /// If the arguments do not match the signature, or the callee traps or fails.
    pub fn call<T>(&self, store: &mut Store<T>, params: &[Val], results: &mut [Val]) -> Result<()> {
        store.with_func_type(*self, |ty| {
            check_vals("argument", ty.params(), params)?;
            if results.len() != ty.results().len() {
                return Err(Error::BadArguments(format!(
                    "expected {} results, got room for {}",
                    ty.results().len(),
                    results.len()
                )));
            }
            Ok(())
        })?;
        crate::exec::call(store, *self, params, results)
    }

    /// A statically typed view of this function.
    ///
    /// # Errors
    /// If the signature does not match `Params` and `Results`.
    pub fn typed<P: WasmParams, R: WasmResults, T>(&self, store: &Store<T>) -> Result<TypedFunc<P, R>> {
        store.with_func_type(*self, |ty| {
            if ty.params() != P::types().as_slice() || ty.results() != R::types().as_slice() {
                return Err(Error::BadArguments(format!("function type is {ty}, not the requested one")));
            }
            Ok(())
        })?;
        Ok(TypedFunc { func: *self, _marker: PhantomData })
    }
}

fn check_vals(what: &str, tys: &[ValType], vals: &[Val]) -> Result<()> {
    if tys.len() != vals.len() {
        return Err(Error::BadArguments(format!("expected {} {what}s, got {}", tys.len(), vals.len())));
    }
    for (i, (t, v)) in tys.iter().zip(vals).enumerate() {
        if v.ty() != *t {
            return Err(Error::BadArguments(format!("{what} {i} should be {t}, got {}", v.ty())));
        }
    }
    Ok(())
}

/// A function whose signature was checked once, called with Rust values.
#[derive(Debug)]
pub struct TypedFunc<Params, Results> {
    func: Func,
    _marker: PhantomData<fn(Params) -> Results>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// # Errors
    /// If the callee traps or fails.
    pub fn call<T>(&self, store: &mut Store<T>, params: P) -> Result<R> {
        let mut args = Vec::with_capacity(P::types().len());
        params.push_vals(&mut args);
        let mut results = R::types().iter().map(|t| t.default_val()).collect::<Vec<_>>();
        crate::exec::call(store, self.func, &args, &mut results)?;
        R::from_vals(&results).ok_or_else(|| Error::BadArguments("result type mismatch".into()))
    }

    pub fn func(&self) -> Func {
        self.func
    }
}

/// A Rust type that maps to one wasm value type.
pub trait WasmTy: Sized {
    fn val_type() -> ValType;
    fn into_val(self) -> Val;
    fn from_val(v: &Val) -> Option<Self>;
}

macro_rules! wasm_ty {
    ($($t:ty => $vt:ident, |$v:ident| $into:expr, |$w:ident| $from:expr;)*) => {$(
        impl WasmTy for $t {
            fn val_type() -> ValType { ValType::$vt }
            fn into_val(self) -> Val { let $v = self; $into }
            fn from_val(v: &Val) -> Option<Self> { match v { Val::$vt($w) => Some($from), _ => None } }
        }
    )*};
}

wasm_ty! {
    i32 => I32, |v| Val::I32(v), |w| *w;
    u32 => I32, |v| Val::I32(v as i32), |w| *w as u32;
    i64 => I64, |v| Val::I64(v), |w| *w;
    u64 => I64, |v| Val::I64(v as i64), |w| *w as u64;
    f32 => F32, |v| Val::F32(v.to_bits()), |w| f32::from_bits(*w);
    f64 => F64, |v| Val::F64(v.to_bits()), |w| f64::from_bits(*w);
    u128 => V128, |v| Val::V128(v), |w| *w;
}

impl WasmTy for Option<Func> {
    fn val_type() -> ValType {
        ValType::FuncRef
    }
    fn into_val(self) -> Val {
        Val::FuncRef(self)
    }
    fn from_val(v: &Val) -> Option<Self> {
        if let Val::FuncRef(f) = v {
            Some(*f)
        } else {
            None
        }
    }
}

impl WasmTy for Option<ExternRef> {
    fn val_type() -> ValType {
        ValType::ExternRef
    }
    fn into_val(self) -> Val {
        Val::ExternRef(self)
    }
    fn from_val(v: &Val) -> Option<Self> {
        if let Val::ExternRef(e) = v {
            Some(*e)
        } else {
            None
        }
    }
}

/// A tuple of [`WasmTy`] used as parameters.
pub trait WasmParams: Sized {
    fn types() -> Vec<ValType>;
    fn push_vals(self, out: &mut Vec<Val>);
    /// Writes the values into `out`, which must have exactly one slot per value.
    /// Returns `None` if the length differs.
    fn store_vals(self, out: &mut [Val]) -> Option<()>;
    fn from_vals(vals: &[Val]) -> Option<Self>;
}

/// A [`WasmTy`] or tuple of them used as results.
pub trait WasmResults: WasmParams {}
impl<T: WasmParams> WasmResults for T {}

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        vec![A::val_type()]
    }
    fn push_vals(self, out: &mut Vec<Val>) {
        out.push(self.into_val());
    }
    fn store_vals(self, out: &mut [Val]) -> Option<()> {
        let [slot] = out else { return None };
        *slot = self.into_val();
        Some(())
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        match vals {
            [v] => A::from_val(v),
            _ => None,
        }
    }
}

macro_rules! wasm_params_tuple {
    ($($n:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut, clippy::unused_unit)]
        impl<$($n: WasmTy),*> WasmParams for ($($n,)*) {
            fn types() -> Vec<ValType> { vec![$($n::val_type()),*] }
            fn push_vals(self, out: &mut Vec<Val>) { let ($($n,)*) = self; $(out.push($n.into_val());)* }
            fn store_vals(self, out: &mut [Val]) -> Option<()> {
                let ($($n,)*) = self;
                let mut it = out.iter_mut();
                $(*it.next()? = $n.into_val();)*
                if it.next().is_some() { return None; }
                Some(())
            }
            fn from_vals(vals: &[Val]) -> Option<Self> {
                let mut it = vals.iter();
                let r = ($($n::from_val(it.next()?)?,)*);
                if it.next().is_some() { return None; }
                Some(r)
            }
        }
    };
}

wasm_params_tuple!();
wasm_params_tuple!(A1);
wasm_params_tuple!(A1 A2);
wasm_params_tuple!(A1 A2 A3);
wasm_params_tuple!(A1 A2 A3 A4);
wasm_params_tuple!(A1 A2 A3 A4 A5);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
wasm_params_tuple!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);

/// What a host closure may return: results, or a `Result` of them.
pub trait HostReturn {
    type Results: WasmResults;
    fn into_result(self) -> Result<Self::Results>;
}

impl<R: WasmResults> HostReturn for R {
    type Results = R;
    fn into_result(self) -> Result<R> {
        Ok(self)
    }
}

impl<R: WasmResults> HostReturn for Result<R> {
    type Results = R;
    fn into_result(self) -> Result<R> {
        self
    }
}

/// A Rust closure usable as a host function: `Fn(A1, .., An) -> R` or
/// `Fn(Caller<T>, A1, .., An) -> R`, where each `Ai` is a [`WasmTy`] and `R` a
/// [`WasmResults`] or `Result` of one.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self) -> (FuncType, HostFn<T>);
}

macro_rules! into_func {
    ($($n:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<T, F, R, $($n: WasmTy + 'static),*> IntoFunc<T, ($($n,)*), R> for F
        where
            F: Fn($($n),*) -> R + Send + Sync + 'static,
            R: HostReturn + 'static,
        {
            fn into_func(self) -> (FuncType, HostFn<T>) {
                let ty = FuncType::new(vec![$($n::val_type()),*], R::Results::types());
                let f: HostFn<T> = Arc::new(move |_caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let mut it = params.iter();
                    $(let $n = $n::from_val(it.next().ok_or_else(bad_args)?).ok_or_else(bad_args)?;)*
                    write_results(self($($n),*).into_result()?, results)
                });
                (ty, f)
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<T, F, R, $($n: WasmTy + 'static),*> IntoFunc<T, (Caller<'static, T>, $($n,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($n),*) -> R + Send + Sync + 'static,
            R: HostReturn + 'static,
        {
            fn into_func(self) -> (FuncType, HostFn<T>) {
                let ty = FuncType::new(vec![$($n::val_type()),*], R::Results::types());
                let f: HostFn<T> = Arc::new(move |caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let mut it = params.iter();
                    $(let $n = $n::from_val(it.next().ok_or_else(bad_args)?).ok_or_else(bad_args)?;)*
                    write_results(self(caller, $($n),*).into_result()?, results)
                });
                (ty, f)
            }
        }
    };
}

fn bad_args() -> Error {
    Error::BadArguments("host function called with mismatched arguments".into())
}

fn write_results<R: WasmResults>(r: R, out: &mut [Val]) -> Result<()> {
    r.store_vals(out).ok_or_else(bad_args)
}

into_func!();
into_func!(A1);
into_func!(A1 A2);
into_func!(A1 A2 A3);
into_func!(A1 A2 A3 A4);
into_func!(A1 A2 A3 A4 A5);
into_func!(A1 A2 A3 A4 A5 A6);
into_func!(A1 A2 A3 A4 A5 A6 A7);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);
