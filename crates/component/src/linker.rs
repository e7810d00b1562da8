//! The component [`Linker`]: host definitions by import name, and instantiation.
//!
//! Names are matched exactly first; failing that, an import `pkg:ns/iface@X.Y.Z` is matched
//! by a definition of the same interface at a semver-compatible version (same major, and for
//! 0.x the same minor), so a host written for `wasi:cli/stdout@0.2.0` serves a guest built
//! against `@0.2.3`.

use std::collections::BTreeMap;
use std::sync::Arc;

use tessera_engine::Store;

use crate::component::{Component, Def};
use crate::error::{Error, Result};
use crate::func::{Func, HostDtor, HostFn};
use crate::instance::Instance;
use crate::instantiate::{instantiate, Exports, FuncTypeCache, Item};
use crate::typed::{ComponentParams, ComponentResults};
use crate::types::ResourceType;
use crate::values::Val;

enum Definition<T> {
    Func(HostFn<T>),
    Instance(BTreeMap<String, Definition<T>>),
    Resource(ResourceType),
    /// An instance of a component, re-exported whole.
    Exports(Arc<Exports>),
}

/// Host definitions that satisfy a component's imports.
pub struct Linker<T> {
    root: BTreeMap<String, Definition<T>>,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Linker { root: BTreeMap::new() }
    }
}

/// One instance (or the root) of a [`Linker`], to define items in.
pub struct LinkerInstance<'a, T> {
    map: &'a mut BTreeMap<String, Definition<T>>,
}

impl<T: 'static> Linker<T> {
    pub fn new() -> Linker<T> {
        Linker::default()
    }

    /// The root: items defined here satisfy the component's top-level imports.
    pub fn root(&mut self) -> LinkerInstance<'_, T> {
        LinkerInstance { map: &mut self.root }
    }

    /// The instance `name` (such as `wasi:cli/stdout@0.2.0`), created if new.
    ///
    /// # Errors
    /// If `name` is already defined as something other than an instance.
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        LinkerInstance { map: &mut self.root }.into_instance(name)
    }

    /// Defines `name` as an instance of a component (its exports, as an instance).
    ///
    /// # Errors
    /// If `name` is already defined.
    pub fn define_instance(&mut self, name: &str, instance: &Instance) -> Result<()> {
        insert(&mut self.root, name, Definition::Exports(instance.exports.clone()))
    }

    /// Instantiates `component`, satisfying its imports from this linker.
    ///
    /// # Errors
    /// If an import is missing or of the wrong kind, or the component's start-up code traps.
    pub fn instantiate(&self, store: &mut Store<T>, component: &Component) -> Result<Instance> {
        let lookup = |name: &str| lookup(&self.root, name).map(to_item);
        let exports = instantiate(store, &component.def, &lookup, None, None)?;
        Ok(Instance { exports })
    }

    /// Resolves `component`'s imports from this linker once, for instantiating it many
    /// times ([`InstancePre::instantiate`]): each instance then skips the look-ups, and the
    /// function types are converted once, by the first instance, not by every one.
    ///
    /// # Errors
    /// If an import is not defined in this linker (whether each definition fits its
    /// import's type is checked by each instantiation, as by [`Linker::instantiate`]).
    pub fn instantiate_pre(&self, component: &Component) -> Result<InstancePre<T>> {
        let imports = component
            .def
            .defs
            .iter()
            .filter_map(|d| match d {
                Def::Import { name, .. } => Some(name),
                _ => None,
            })
            .map(|name| {
                let item = lookup(&self.root, name)
                    .map(to_item)
                    .ok_or_else(|| Error::MissingImport(name.clone()))?;
                Ok((name.clone(), item))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(InstancePre {
            component: component.clone(),
            imports,
            func_types: Arc::new(FuncTypeCache::default()),
            _store: std::marker::PhantomData,
        })
    }
}

/// A component whose imports are resolved, ready to be instantiated many times (one
/// instance per request, say) without looking anything up again.
pub struct InstancePre<T> {
    component: Component,
    imports: Vec<(String, Item)>,
    func_types: Arc<FuncTypeCache>,
    _store: std::marker::PhantomData<fn(&mut Store<T>)>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            component: self.component.clone(),
            imports: self.imports.clone(),
            func_types: self.func_types.clone(),
            _store: std::marker::PhantomData,
        }
    }
}

impl<T: 'static> InstancePre<T> {
    /// A new instance in `store`.
    ///
    /// # Errors
    /// As [`Linker::instantiate`]: a definition of the wrong kind or type for its import, or
    /// start-up code that traps.
    pub fn instantiate(&self, store: &mut Store<T>) -> Result<Instance> {
        let lookup = |name: &str| self.imports.iter().find(|(n, _)| n == name).map(|(_, i)| i.clone());
        let exports = instantiate(store, &self.component.def, &lookup, None, Some(&self.func_types))?;
        Ok(Instance { exports })
    }

    /// The component this was made from.
    pub fn component(&self) -> &Component {
        &self.component
    }
}

fn to_item<T: 'static>(d: &Definition<T>) -> Item {
    match d {
        Definition::Func(f) => Item::Func(Func::host(f.clone())),
        Definition::Instance(map) => {
            Item::Instance(Arc::new(Exports(map.iter().map(|(n, d)| (n.clone(), to_item(d))).collect())))
        }
        Definition::Resource(rt) => Item::Type(Some(rt.clone())),
        Definition::Exports(e) => Item::Instance(e.clone()),
    }
}

/// Splits `pkg:ns/iface@1.2.3` into the unversioned name and the version.
fn split_version(name: &str) -> (&str, Option<(u64, u64, &str)>) {
    let Some((base, version)) = name.rsplit_once('@') else { return (name, None) };
    let mut parts = version.splitn(3, '.');
    let major = parts.next().and_then(|p| p.parse().ok());
    let minor = parts.next().and_then(|p| p.parse().ok());
    match (major, minor) {
        (Some(major), Some(minor)) => (base, Some((major, minor, parts.next().unwrap_or("")))),
        _ => (name, None),
    }
}

fn compatible(a: (u64, u64, &str), b: (u64, u64, &str)) -> bool {
    a.0 == b.0 && (a.0 != 0 || a.1 == b.1)
}

fn lookup<'d, T>(map: &'d BTreeMap<String, Definition<T>>, name: &str) -> Option<&'d Definition<T>> {
    if let Some(d) = map.get(name) {
        return Some(d);
    }
    let (base, Some(version)) = split_version(name) else { return None };
    map.iter()
        .filter(|(n, _)| {
            let (b, v) = split_version(n);
            b == base && v.is_some_and(|v| compatible(v, version))
        })
        .map(|(_, d)| d)
        .next_back()
}

fn insert<T>(map: &mut BTreeMap<String, Definition<T>>, name: &str, d: Definition<T>) -> Result<()> {
    if map.contains_key(name) {
        return Err(Error::TypeMismatch(format!("`{name}` is already defined in the linker")));
    }
    map.insert(name.to_string(), d);
    Ok(())
}

impl<'a, T: 'static> LinkerInstance<'a, T> {
    fn into_instance(self, name: &str) -> Result<LinkerInstance<'a, T>> {
        let entry = self.map.entry(name.to_string()).or_insert_with(|| Definition::Instance(BTreeMap::new()));
        match entry {
            Definition::Instance(map) => Ok(LinkerInstance { map }),
            _ => Err(Error::TypeMismatch(format!(
                "`{name}` is already defined as something other than an instance"
            ))),
        }
    }

    /// The nested instance `name`, created if new.
    ///
    /// # Errors
    /// If `name` is already defined as something other than an instance.
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        LinkerInstance { map: self.map }.into_instance(name)
    }

    /// Defines a host function taking and returning dynamically typed values. The component
    /// importing it decides the types: `params` are lifted by the import's signature, and
    /// `results` has room for its result (0 or 1 values).
    ///
    /// # Errors
    /// If `name` is already defined.
    pub fn func_new(
        &mut self,
        name: &str,
        f: impl Fn(&mut Store<T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<()> {
        insert(self.map, name, Definition::Func(Arc::new(f)))
    }

    /// Defines a host function with Rust parameter and result types, such as
    /// `|store, (a, b): (u32, u32)| Ok((a + b,))`.
    ///
    /// # Errors
    /// If `name` is already defined.
    pub fn func_wrap<P: ComponentParams, R: ComponentResults>(
        &mut self,
        name: &str,
        f: impl Fn(&mut Store<T>, P) -> Result<R> + Send + Sync + 'static,
    ) -> Result<()> {
        self.func_new(name, move |store, params, results| {
            let p = P::from_vals(params)?;
            f(store, p)?.into_vals(results)
        })
    }

    /// Defines a host resource type `name`; `dtor` runs when a guest drops an owned handle.
    ///
    /// # Errors
    /// If `name` is already defined.
    pub fn resource<R: 'static>(
        &mut self,
        name: &str,
        dtor: impl Fn(&mut Store<T>, u32) -> Result<()> + Send + Sync + 'static,
    ) -> Result<()> {
        let dtor: HostDtor<T> = Arc::new(dtor);
        let rt = ResourceType::host_with(std::any::TypeId::of::<R>(), name, Some(Arc::new(dtor)));
        insert(self.map, name, Definition::Resource(rt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component importing a host function `double` and exporting `quad`, which calls it
    /// twice.
    const QUAD: &str = r#"(component
        (import "double" (func $double (param "x" u32) (result u32)))
        (core func $d (canon lower (func $double)))
        (core module $m
            (import "host" "double" (func $double (param i32) (result i32)))
            (func (export "quad") (param i32) (result i32)
                local.get 0 call $double call $double))
        (core instance $i (instantiate $m (with "host" (instance (export "double" (func $d))))))
        (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $i "quad"))))"#;

    #[test]
    fn instance_pre_resolves_once_and_instantiates_many_times() {
        let engine = tessera_engine::Engine::default();
        let component = Component::new(&engine, QUAD).unwrap();
        let empty: Linker<()> = Linker::new();
        match empty.instantiate_pre(&component) {
            Err(Error::MissingImport(name)) => assert_eq!(name, "double"),
            other => panic!("expected a missing import, got {:?}", other.err()),
        }
        let mut linker: Linker<()> = Linker::new();
        linker.root().func_wrap("double", |_, (x,): (u32,)| Ok((x * 2,))).unwrap();
        let pre = linker.instantiate_pre(&component).unwrap();
        for x in [1u32, 5, 21] {
            // A store per instance, as a server makes one per request.
            let mut store = Store::new(&engine, ());
            let instance = pre.clone().instantiate(&mut store).unwrap();
            let mut out = [Val::U32(0)];
            instance.get_func("quad").unwrap().call(&mut store, &[Val::U32(x)], &mut out).unwrap();
            assert_eq!(out[0], Val::U32(x * 4));
        }
    }

    #[test]
    fn versions_match_semver_compatibly() {
        let mut l: Linker<()> = Linker::new();
        l.instance("wasi:cli/stdout@0.2.0").unwrap();
        assert!(lookup(&l.root, "wasi:cli/stdout@0.2.3").is_some());
        assert!(lookup(&l.root, "wasi:cli/stdout@0.3.0").is_none());
        assert!(lookup(&l.root, "wasi:cli/stdout").is_none());
        l.instance("a:b/c@1.0.0").unwrap();
        assert!(lookup(&l.root, "a:b/c@1.4.0").is_some());
        assert!(lookup(&l.root, "a:b/c@2.0.0").is_none());
    }
}
