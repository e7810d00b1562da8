//! Component functions: lifted core functions and host functions, calls into them from the
//! host ([`Func::call`]) and from core code through lowered imports ([`lowered_call`]).
//!
//! Values cross between two instances through [`Val`]: the caller's side is lifted into
//! `Val`s, the callee's side lowered from them. That costs a copy compared with fused
//! adapters, and buys one code path for host↔guest and guest↔guest calls.

use std::any::Any;
use std::sync::Arc;

use tessera_engine::{Func as CoreFunc, Store, Val as CoreVal};

use crate::abi::{Cx, Options};
use crate::error::{trap_if, Error, Result};
use crate::resources::InstanceState;
use crate::types::{FuncType, ResourceKind, ResourceType, Type};
use crate::values::{ResourceAny, Val};

/// A host function as the linker stores it.
pub(crate) type HostFn<T> = Arc<dyn Fn(&mut Store<T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync>;
/// A host resource's destructor as the linker stores it.
pub(crate) type HostDtor<T> = Arc<dyn Fn(&mut Store<T>, u32) -> Result<()> + Send + Sync>;

/// A component function: an export of an instance, or a host function.
#[derive(Clone)]
pub struct Func(pub(crate) Arc<FuncKind>);

pub(crate) enum FuncKind {
    Lifted {
        core: CoreFunc,
        opts: Options,
        ty: Arc<FuncType>,
        inst: Arc<InstanceState>,
    },
    /// `f` is a `HostFn<T>` for the store's `T`; `ty` is known once a component imports it.
    Host {
        f: Arc<dyn Any + Send + Sync>,
        ty: Option<Arc<FuncType>>,
    },
}

impl Func {
    pub(crate) fn host<T: 'static>(f: HostFn<T>) -> Func {
        Func(Arc::new(FuncKind::Host { f: Arc::new(f), ty: None }))
    }

    /// The same host function, now known to have type `ty`.
    pub(crate) fn with_type(&self, ty: Arc<FuncType>) -> Func {
        match &*self.0 {
            FuncKind::Host { f, .. } => Func(Arc::new(FuncKind::Host { f: f.clone(), ty: Some(ty) })),
            FuncKind::Lifted { .. } => self.clone(),
        }
    }

    /// The function's signature, when known (always, for functions exported by components).
    pub fn ty(&self) -> Option<&FuncType> {
        match &*self.0 {
            FuncKind::Lifted { ty, .. } => Some(ty),
            FuncKind::Host { ty, .. } => ty.as_deref(),
        }
    }

    /// Calls the function. `results` must have room for the function's result (0 or 1).
    /// After the results are lifted the callee's `post-return` runs, so the results are the
    /// caller's own copies.
    ///
    /// # Errors
    /// If an argument does not match its parameter type, or the callee traps (including every
    /// Canonical ABI violation), or a host function fails.
    pub fn call<T: 'static>(&self, store: &mut Store<T>, params: &[Val], results: &mut [Val]) -> Result<()> {
        if let Some(ty) = self.ty() {
            if params.len() != ty.params.len() {
                return Err(Error::TypeMismatch(format!(
                    "expected {} arguments, got {}",
                    ty.params.len(),
                    params.len()
                )));
            }
            if results.len() != ty.results_len() {
                return Err(Error::TypeMismatch(format!(
                    "expected room for {} results, got {}",
                    ty.results_len(),
                    results.len()
                )));
            }
        }
        self.call_from(store, params, results, None)
    }

    pub(crate) fn call_from<T: 'static>(
        &self,
        store: &mut Store<T>,
        params: &[Val],
        results: &mut [Val],
        caller: Option<&Arc<InstanceState>>,
    ) -> Result<()> {
        match &*self.0 {
            FuncKind::Host { f, .. } => {
                let f = f.downcast_ref::<HostFn<T>>().ok_or_else(|| {
                    Error::TypeMismatch("host function defined for another store type".into())
                })?;
                f(store, params, results)
            }
            FuncKind::Lifted { core, opts, ty, inst } => {
                let out = call_lifted(store, *core, opts, ty, inst, params, caller)?;
                for (slot, v) in results.iter_mut().zip(out) {
                    *slot = v;
                }
                Ok(())
            }
        }
    }
}

/// `canon lift` in action: lower the arguments into the callee, run it, lift the results,
/// run `post-return`, and check every borrow it was lent has been dropped.
fn call_lifted<T: 'static>(
    store: &mut Store<T>,
    core: CoreFunc,
    opts: &Options,
    ty: &FuncType,
    inst: &Arc<InstanceState>,
    args: &[Val],
    caller: Option<&Arc<InstanceState>>,
) -> Result<Vec<Val>> {
    let entering = inst.entering_set(caller);
    InstanceState::enter(&entering)?;
    let scope = inst.lock().push_scope();
    let r = run_in_scope(store, core, opts, ty, inst, args, caller.is_some());
    let left = inst.lock().pop_scope(scope);
    let r = r.and_then(|(results, flat_results)| {
        // The spec checks this when the callee returns, before `post-return` runs.
        trap_if(left != 0, "borrow handles still remain at the end of the call")?;
        if let Some(post_return) = opts.post_return {
            inst.set_may_leave(false);
            let r = post_return.call(store, &flat_results, &mut []);
            inst.set_may_leave(true);
            r?;
        }
        Ok(results)
    });
    // A trap leaves the instance entered: it may not be entered again (as in the spec, a
    // trap ends the instance). Errors that are not traps (a host value of the wrong type)
    // happen before the guest ran and leave it usable.
    if r.as_ref().err().is_none_or(|e| e.as_trap().is_none()) {
        InstanceState::leave(&entering);
    }
    r
}

/// Lowers the arguments, runs the core function and lifts its results; returns them with
/// the flat results `post-return` takes.
fn run_in_scope<T: 'static>(
    store: &mut Store<T>,
    core: CoreFunc,
    opts: &Options,
    ty: &FuncType,
    inst: &Arc<InstanceState>,
    args: &[Val],
    fused: bool,
) -> Result<(Vec<Val>, Vec<CoreVal>)> {
    let mut cx = Cx::new(store, opts, inst, fused);
    let layout = ty.layout();
    let ptys: Vec<&Type> = ty.param_types().collect();
    let flat_args = cx.lower_values(args, &ptys, layout.params(), None)?;
    // At most one core result (a pointer when the result flattens to more than one value).
    let mut result_slot = [CoreVal::I32(0)];
    let n = match (&ty.result, layout.result_core) {
        (None, _) => 0,
        (Some(_), Some(core)) => {
            result_slot[0] = core.default_val();
            1
        }
        (Some(_), None) => 1,
    };
    let flat_results = &mut result_slot[..n];
    core.call(cx.store, &flat_args, flat_results)?;
    let rtys: Vec<&Type> = ty.result.iter().collect();
    let results = cx.lift_values(flat_results, &rtys, layout.result())?;
    Ok((results, flat_results.to_vec()))
}

/// `canon lower` in action: the body of the core function an instance imports. Lifts the
/// arguments out of the caller `inst`, calls `callee`, lowers the results back.
pub(crate) fn lowered_call<T: 'static>(
    store: &mut Store<T>,
    callee: &Func,
    ty: &FuncType,
    opts: &Options,
    inst: &Arc<InstanceState>,
    args: &[CoreVal],
    results: &mut [CoreVal],
) -> Result<()> {
    inst.check_may_leave()?;
    let fused = matches!(&*callee.0, FuncKind::Lifted { .. });
    let mut cx = Cx::new(store, opts, inst, fused);
    let layout = ty.layout();
    let ptys: Vec<&Type> = ty.param_types().collect();
    let rtys: Vec<&Type> = ty.result.iter().collect();
    let vals = cx.lift_values(args, &ptys, layout.params())?;
    let out_ptr = if layout.result_spill.is_some() {
        match args.last() {
            Some(CoreVal::I32(p)) => Some(*p as u32),
            _ => return Err(crate::error::trap("missing return pointer")),
        }
    } else {
        None
    };
    let mut out: Vec<Val> = vec![Val::Bool(false); ty.results_len()];
    callee.call_from(cx.store, &vals, &mut out, Some(inst))?;
    cx.release_lenders();
    let flat = cx.lower_values(&out, &rtys, layout.result(), out_ptr)?;
    for (slot, v) in results.iter_mut().zip(flat) {
        *slot = v;
    }
    Ok(())
}

/// Runs the destructor of resource type `rt` for `rep`, entering the implementing instance
/// from `caller` (as `canon resource.drop` does through a lifted-then-lowered destructor).
pub(crate) fn run_dtor<T: 'static>(
    store: &mut Store<T>,
    rt: &ResourceType,
    rep: u32,
    caller: Option<&Arc<InstanceState>>,
) -> Result<()> {
    match &rt.0.kind {
        ResourceKind::Guest { instance, dtor } => {
            let Some(implementer) = instance.upgrade() else { return Ok(()) };
            // Without a destructor the spec still lifts a no-op one, so entering the
            // implementer is checked either way.
            let entering = implementer.entering_set(caller);
            InstanceState::enter(&entering)?;
            if let Some(dtor) = dtor {
                dtor.call(store, &[CoreVal::I32(rep as i32)], &mut [])?;
            }
            InstanceState::leave(&entering);
            Ok(())
        }
        ResourceKind::Host { dtor } => match dtor {
            Some(d) => {
                let d = d.downcast_ref::<HostDtor<T>>().ok_or_else(|| {
                    Error::TypeMismatch("host destructor defined for another store type".into())
                })?;
                d(store, rep)
            }
            None => Ok(()),
        },
    }
}

impl ResourceAny {
    /// Drops an owned handle the host holds: runs the resource's destructor. Dropping a
    /// borrowed handle does nothing.
    ///
    /// # Errors
    /// If the destructor traps or fails.
    pub fn resource_drop<T: 'static>(self, store: &mut Store<T>) -> Result<()> {
        if !self.own {
            return Ok(());
        }
        run_dtor(store, &self.ty, self.rep, None)
    }
}
