//! [`Linker`]: resolves a module's imports by `module::name` and instantiates it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::func::{Caller, HostFn, IntoFunc};
use crate::instance::{check_import, Instance};
use crate::module::{ExternType, Module};
use crate::store::{Extern, Store};
use crate::value::{FuncType, Val};

enum Definition<T> {
    Extern(Extern),
    /// A host function not yet bound to a store: each store gets its own copy on first use.
    HostFunc(FuncType, HostFn<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}

/// Named definitions that satisfy imports.
pub struct Linker<T> {
    defs: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Linker { defs: HashMap::new(), allow_shadowing: false }
    }
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker { defs: self.defs.clone(), allow_shadowing: self.allow_shadowing }
    }
}

impl<T: 'static> Linker<T> {
    pub fn new() -> Linker<T> {
        Linker::default()
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            return Err(Error::BadArguments(format!("`{module}::{name}` is already defined")));
        }
        self.defs.insert(key, def);
        Ok(self)
    }

    /// Defines `module::name` as an existing store item.
    ///
    /// # Errors
    /// If the name is taken and shadowing is off.
    pub fn define(&mut self, module: &str, name: &str, item: impl Into<Extern>) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines a host function from a Rust closure (see [`IntoFunc`]).
    ///
    /// # Errors
    /// If the name is taken and shadowing is off.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, f) = f.into_func();
        self.insert(module, name, Definition::HostFunc(ty, f))
    }

    /// Defines a host function with a dynamic signature.
    ///
    /// # Errors
    /// If the name is taken and shadowing is off.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::HostFunc(ty, Arc::new(f)))
    }

    /// Defines every export of `instance` under module name `module`.
    ///
    /// # Errors
    /// If a name is taken and shadowing is off.
    pub fn instance(&mut self, store: &Store<T>, module: &str, instance: Instance) -> Result<&mut Self> {
        for (name, ext) in instance.exports(store) {
            self.define(module, &name, ext)?;
        }
        Ok(self)
    }

    /// Looks up a definition, binding a host function to `store` if needed.
    pub fn get(&self, store: &mut Store<T>, module: &str, name: &str) -> Option<Extern> {
        match self.defs.get(&(module.to_string(), name.to_string()))? {
            Definition::Extern(e) => Some(*e),
            Definition::HostFunc(ty, f) => Some(Extern::Func(store.alloc_host_func(ty, f.clone()))),
        }
    }

    /// Resolves `module`'s imports and instantiates it (running its start function).
    ///
    /// # Errors
    /// If an import is unknown or has an incompatible type, or instantiation fails.
    pub fn instantiate(&self, store: &mut Store<T>, module: &Module) -> Result<Instance> {
        let mut imports = Vec::with_capacity(module.inner.imports.len());
        for import in module.imports() {
            let name = format!("{}::{}", import.module, import.name);
            let def = self
                .defs
                .get(&(import.module.clone(), import.name.clone()))
                .ok_or_else(|| Error::UnknownImport(format!("{name} ({})", import.ty)))?;
            let ext = match def {
                Definition::Extern(e) => *e,
                Definition::HostFunc(ty, f) => {
                    if !matches!(&import.ty, ExternType::Func(want) if want == ty) {
                        return Err(Error::IncompatibleImport(format!(
                            "{name}: expected {}, found func {ty}",
                            import.ty
                        )));
                    }
                    Extern::Func(store.alloc_host_func(ty, f.clone()))
                }
            };
            if check_import(&store.inner, &import.ty, &ext).is_err() {
                return Err(Error::IncompatibleImport(format!("{name}: expected {}", import.ty)));
            }
            imports.push(ext);
        }
        Instance::new(store, module, &imports)
    }
}

impl From<crate::Func> for Extern {
    fn from(f: crate::Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<crate::Memory> for Extern {
    fn from(m: crate::Memory) -> Extern {
        Extern::Memory(m)
    }
}
impl From<crate::Table> for Extern {
    fn from(t: crate::Table) -> Extern {
        Extern::Table(t)
    }
}
impl From<crate::Global> for Extern {
    fn from(g: crate::Global) -> Extern {
        Extern::Global(g)
    }
}
