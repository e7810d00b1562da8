//! Instantiation: replays a component's definitions in order (the order the spec gives),
//! filling its index spaces, and returns the instance's exports.
//!
//! How a component instance maps onto core instances: each `core instance` definition is
//! one [`tessera_engine::Instance`] in the same store (or, for `instance` built from exports,
//! just a name → item table); lifted functions point at core functions of those instances;
//! lowered imports are host functions in the core store whose body is
//! [`crate::func::lowered_call`]. Nested components are instantiated recursively, with
//! their parent recorded for the reentrance rules.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tessera_engine::{
    Extern, Func as CoreFunc, FuncType as CoreFuncType, Global, Memory, Module, Store, Table,
};
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType, ComponentFuncTypeId};
use wasmparser::types::TypesRef;
use wasmparser::{ComponentExternalKind, ComponentOuterAliasKind, ComponentTypeRef, ExternalKind};

use crate::abi::lift::check_handle_type;
use crate::abi::Options;
use crate::component::{ComponentDef, Def, RawOptions};
use crate::error::{trap_if, Error, Result};
use crate::func::{lowered_call, run_dtor, Func};
use crate::resources::{Handle, InstanceState};
use crate::types::{FuncType, ResourceMap, ResourceType, TypeConverter};

/// An item of a component instance's index spaces, as passed between instances.
#[derive(Clone)]
pub(crate) enum Item {
    Func(Func),
    Instance(Arc<Exports>),
    /// A type: the run-time resource type if it is a resource.
    Type(Option<ResourceType>),
    Module(Module),
    Component(ComponentClosure),
}

/// A component as an item: its definition, and for one that [captures](ComponentDef::captures),
/// the enclosing index spaces its outer aliases reach.
#[derive(Clone)]
pub(crate) struct ComponentClosure {
    def: Arc<ComponentDef>,
    enclosing: Option<Arc<Enclosing>>,
}

/// The module and component index spaces of an instance at the point a nested component
/// was defined (outer aliases can only name what came before), and its own enclosing ones.
struct Enclosing {
    modules: Vec<Module>,
    components: Vec<ComponentClosure>,
    outer: Option<Arc<Enclosing>>,
}

impl Item {
    fn kind(&self) -> &'static str {
        match self {
            Item::Func(_) => "function",
            Item::Instance(_) => "instance",
            Item::Type(_) => "type",
            Item::Module(_) => "module",
            Item::Component(_) => "component",
        }
    }
}

/// An instance's exports, in definition order.
#[derive(Clone, Default)]
pub(crate) struct Exports(pub(crate) Vec<(String, Item)>);

impl Exports {
    pub(crate) fn get(&self, name: &str) -> Option<&Item> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, i)| i)
    }
}

enum CoreInstance {
    Real(tessera_engine::Instance),
    Synthetic(Vec<(String, Extern)>),
}

/// The converted function types of a component's outermost frame, kept across its
/// instances (see [`crate::InstancePre`]): converting wasmparser's types into [`FuncType`]s
/// was most of what instantiating a WASI component cost. Only types that mention no
/// resource the component defines itself are kept, since those are new in every instance.
#[derive(Default)]
pub(crate) struct FuncTypeCache(OnceLock<HashMap<ComponentFuncTypeId, Arc<FuncType>>>);

/// The index spaces of one component instance under construction.
struct Frame<'a> {
    types: TypesRef<'a>,
    /// The cache to read (when filled) or fill (after this instance) for the outermost frame.
    cache: Option<&'a FuncTypeCache>,
    /// What this instance converted, for an unfilled cache.
    converted: HashMap<ComponentFuncTypeId, Arc<FuncType>>,
    state: Arc<InstanceState>,
    resources: ResourceMap,
    core_funcs: Vec<CoreFunc>,
    core_memories: Vec<Memory>,
    core_tables: Vec<Table>,
    core_globals: Vec<Global>,
    core_modules: Vec<Module>,
    core_instances: Vec<CoreInstance>,
    funcs: Vec<Func>,
    types_space: Vec<Option<ResourceType>>,
    instances: Vec<Arc<Exports>>,
    components: Vec<ComponentClosure>,
    /// What the outer aliases of this component reach, when it captures.
    enclosing: Option<Arc<Enclosing>>,
    exports: Exports,
    /// Whether this is the outermost component, whose imports come from the host unchecked.
    root: bool,
    /// Set while one of the root's imports is being added: function types are compared then.
    checking_import: bool,
}

fn func_mismatch(expected: &crate::types::FuncType, given: &crate::types::FuncType) -> Error {
    Error::InvalidComponent(format!("function type mismatch: expected `{expected}`, got `{given}`"))
}

fn resource_mismatch(expected_resource: bool) -> Error {
    Error::InvalidComponent(if expected_resource {
        "expected a resource type, got a value type".into()
    } else {
        "expected a value type, got a resource type".into()
    })
}

fn missing(what: &str, index: u32) -> Error {
    Error::InvalidComponent(format!("{what} index {index} out of range"))
}

impl<'a> Frame<'a> {
    fn converter(&self) -> TypeConverter<'_> {
        TypeConverter { types: self.types, resources: &self.resources }
    }

    /// The function type `id`, from the cache when this frame has one.
    fn func_type(&mut self, id: ComponentFuncTypeId) -> Result<Arc<FuncType>> {
        if let Some(ty) = self.cache.and_then(|c| c.0.get()).and_then(|m| m.get(&id)) {
            return Ok(ty.clone());
        }
        let ty = Arc::new(self.converter().func(id)?);
        if self.cache.is_some_and(|c| c.0.get().is_none()) && ty.only_host_resources() {
            self.converted.insert(id, ty.clone());
        }
        Ok(ty)
    }

    fn core_extern(&self, kind: ExternalKind, index: u32) -> Result<Extern> {
        let i = index as usize;
        Ok(match kind {
            ExternalKind::Func => {
                Extern::Func(*self.core_funcs.get(i).ok_or_else(|| missing("core func", index))?)
            }
            ExternalKind::Memory => {
                Extern::Memory(*self.core_memories.get(i).ok_or_else(|| missing("core memory", index))?)
            }
            ExternalKind::Table => {
                Extern::Table(*self.core_tables.get(i).ok_or_else(|| missing("core table", index))?)
            }
            ExternalKind::Global => {
                Extern::Global(*self.core_globals.get(i).ok_or_else(|| missing("core global", index))?)
            }
            other => return Err(Error::Unsupported(format!("core {other:?} items"))),
        })
    }

    /// The module or component an [`Def::OuterCaptured`] alias names: in this component's
    /// own index space for `count` 0, else in the enclosing ones `count` levels out.
    fn outer_item(
        &self,
        kind: ComponentOuterAliasKind,
        count: u32,
        index: u32,
    ) -> Result<(ComponentExternalKind, Item)> {
        let not_found = || Error::InvalidComponent(format!("outer alias {count} {index} not found"));
        let (modules, components) = if count == 0 {
            (&self.core_modules, &self.components)
        } else {
            let mut env = self.enclosing.as_ref().ok_or_else(not_found)?;
            for _ in 1..count {
                env = env.outer.as_ref().ok_or_else(not_found)?;
            }
            (&env.modules, &env.components)
        };
        let i = index as usize;
        Ok(match kind {
            ComponentOuterAliasKind::CoreModule => {
                (ComponentExternalKind::Module, Item::Module(modules.get(i).ok_or_else(not_found)?.clone()))
            }
            _ => (
                ComponentExternalKind::Component,
                Item::Component(components.get(i).ok_or_else(not_found)?.clone()),
            ),
        })
    }

    fn push_core(&mut self, ext: Extern) {
        match ext {
            Extern::Func(f) => self.core_funcs.push(f),
            Extern::Memory(m) => self.core_memories.push(m),
            Extern::Table(t) => self.core_tables.push(t),
            Extern::Global(g) => self.core_globals.push(g),
        }
    }

    fn item(&self, kind: ComponentExternalKind, index: u32) -> Result<Item> {
        let i = index as usize;
        Ok(match kind {
            ComponentExternalKind::Func => {
                Item::Func(self.funcs.get(i).ok_or_else(|| missing("func", index))?.clone())
            }
            ComponentExternalKind::Instance => {
                Item::Instance(self.instances.get(i).ok_or_else(|| missing("instance", index))?.clone())
            }
            ComponentExternalKind::Type => {
                Item::Type(self.types_space.get(i).ok_or_else(|| missing("type", index))?.clone())
            }
            ComponentExternalKind::Module => {
                Item::Module(self.core_modules.get(i).ok_or_else(|| missing("module", index))?.clone())
            }
            ComponentExternalKind::Component => {
                Item::Component(self.components.get(i).ok_or_else(|| missing("component", index))?.clone())
            }
            ComponentExternalKind::Value => return Err(Error::Unsupported("component values".into())),
        })
    }

    /// Adds `item` to the index space of `kind`, recording resource types under their ids.
    fn push_item(&mut self, kind: ComponentExternalKind, item: Item) -> Result<()> {
        let wrong =
            |item: &Item| Error::InvalidComponent(format!("expected a {kind:?}, got a {}", item.kind()));
        match (kind, item) {
            (ComponentExternalKind::Func, Item::Func(f)) => {
                let idx = self.funcs.len() as u32;
                // Host functions learn their type from the import they satisfy; functions of
                // components have it already, and only the root's imports can disagree with
                // it (everything else was checked by the validator).
                let f = match f.ty() {
                    None => f.with_type(self.func_type(self.types.component_function_at(idx))?),
                    Some(given) if self.checking_import => {
                        let expected = self.func_type(self.types.component_function_at(idx))?;
                        if *given != *expected {
                            return Err(func_mismatch(&expected, given));
                        }
                        f
                    }
                    Some(_) => f,
                };
                self.funcs.push(f);
            }
            (ComponentExternalKind::Instance, Item::Instance(e)) => {
                let idx = self.instances.len() as u32;
                let ty = self.types.component_instance_at(idx);
                self.bind_instance(ty, &e)?;
                self.instances.push(e);
            }
            (ComponentExternalKind::Type, Item::Type(rt)) => {
                let idx = self.types_space.len() as u32;
                match (&rt, self.types.component_any_type_at(idx)) {
                    (Some(rt), ComponentAnyTypeId::Resource(id)) => {
                        self.resources.insert(id.resource(), rt.clone());
                    }
                    (None, ComponentAnyTypeId::Resource(_)) => return Err(resource_mismatch(true)),
                    (Some(_), _) => return Err(resource_mismatch(false)),
                    (None, _) => {}
                }
                self.types_space.push(rt);
            }
            (ComponentExternalKind::Module, Item::Module(m)) => self.core_modules.push(m),
            (ComponentExternalKind::Component, Item::Component(c)) => self.components.push(c),
            (_, item) => return Err(wrong(&item)),
        }
        Ok(())
    }

    /// Records the run-time resource types behind the resource ids in an instance's type.
    fn bind_instance(
        &mut self,
        ty: wasmparser::component_types::ComponentInstanceTypeId,
        e: &Exports,
    ) -> Result<()> {
        let types = self.types;
        for (name, export) in types[ty].exports.iter() {
            // Value types (`(eq ...)` bounds) need nothing at run time, so a host instance
            // does not define them.
            if let ComponentEntityType::Type { created, .. } = export.ty {
                if !matches!(created, ComponentAnyTypeId::Resource(_)) && e.get(name).is_none() {
                    continue;
                }
            }
            let item = e.get(name).ok_or_else(|| {
                Error::InvalidComponent(format!("`{name}` not exported by the instance given"))
            })?;
            self.bind_entity(&export.ty, item).map_err(|e| match e {
                Error::InvalidComponent(reason) => Error::InvalidComponent(format!("`{name}`: {reason}")),
                other => other,
            })?;
        }
        Ok(())
    }

    fn bind_entity(&mut self, ty: &ComponentEntityType, item: &Item) -> Result<()> {
        match (ty, item) {
            (
                ComponentEntityType::Type { created: created @ ComponentAnyTypeId::Resource(_), referenced },
                Item::Type(Some(rt)),
            ) => {
                for id in [created, referenced] {
                    if let ComponentAnyTypeId::Resource(r) = id {
                        self.resources.insert(r.resource(), rt.clone());
                    }
                }
            }
            (
                ComponentEntityType::Type { created: ComponentAnyTypeId::Resource(_), .. },
                Item::Type(None),
            ) => return Err(resource_mismatch(true)),
            (ComponentEntityType::Type { .. }, Item::Type(Some(_))) => return Err(resource_mismatch(false)),
            (ComponentEntityType::Instance(id), Item::Instance(e)) => self.bind_instance(*id, e)?,
            (ComponentEntityType::Func(id), Item::Func(f)) => {
                if let (Some(given), true) = (f.ty(), self.checking_import) {
                    let expected = self.func_type(*id)?;
                    if *given != *expected {
                        return Err(func_mismatch(&expected, given));
                    }
                }
            }
            (ComponentEntityType::Type { .. }, Item::Type(None))
            | (ComponentEntityType::Module(_), Item::Module(_))
            | (ComponentEntityType::Component(_), Item::Component(_)) => {}
            (_, item) => {
                return Err(Error::InvalidComponent(format!(
                    "a {} was given where another kind was expected",
                    item.kind()
                )))
            }
        }
        Ok(())
    }

    fn options(&self, raw: &RawOptions) -> Result<Options> {
        Ok(Options {
            memory: raw
                .memory
                .map(|i| self.core_memories.get(i as usize).copied().ok_or_else(|| missing("memory", i)))
                .transpose()?,
            realloc: raw
                .realloc
                .map(|i| self.core_funcs.get(i as usize).copied().ok_or_else(|| missing("func", i)))
                .transpose()?,
            post_return: raw
                .post_return
                .map(|i| self.core_funcs.get(i as usize).copied().ok_or_else(|| missing("func", i)))
                .transpose()?,
            encoding: raw.encoding,
        })
    }

    fn resource_type(&self, index: u32) -> Result<ResourceType> {
        self.types_space
            .get(index as usize)
            .cloned()
            .flatten()
            .ok_or_else(|| Error::InvalidComponent(format!("type {index} is not a resource")))
    }
}

/// Instantiates `def` with `args` (looked up by import name) in `store`.
/// Instantiates `def`, its imports from `args`; `cache` keeps converted types across
/// instances of the outermost component.
pub(crate) fn instantiate<T: 'static>(
    store: &mut Store<T>,
    def: &ComponentDef,
    args: &dyn Fn(&str) -> Option<Item>,
    parent: Option<Arc<InstanceState>>,
    cache: Option<&FuncTypeCache>,
) -> Result<Arc<Exports>> {
    instantiate_in(store, def, None, args, parent, cache)
}

fn instantiate_in<T: 'static>(
    store: &mut Store<T>,
    def: &ComponentDef,
    enclosing: Option<Arc<Enclosing>>,
    args: &dyn Fn(&str) -> Option<Item>,
    parent: Option<Arc<InstanceState>>,
    cache: Option<&FuncTypeCache>,
) -> Result<Arc<Exports>> {
    let root = parent.is_none();
    let mut f = Frame {
        types: def.types.as_ref(),
        cache,
        converted: HashMap::new(),
        state: InstanceState::new(parent),
        resources: ResourceMap::new(),
        core_funcs: Vec::new(),
        core_memories: Vec::new(),
        core_tables: Vec::new(),
        core_globals: Vec::new(),
        core_modules: Vec::new(),
        core_instances: Vec::new(),
        funcs: Vec::new(),
        types_space: Vec::new(),
        instances: Vec::new(),
        components: Vec::new(),
        enclosing,
        exports: Exports::default(),
        root,
        checking_import: false,
    };
    for d in &def.defs {
        step(store, &mut f, d, args)?;
    }
    if let Some(cache) = f.cache {
        // Another thread may have filled it meanwhile: either map is right.
        let _ = cache.0.set(std::mem::take(&mut f.converted));
    }
    Ok(Arc::new(f.exports))
}

fn kind_of(ty: &ComponentTypeRef) -> ComponentExternalKind {
    match ty {
        ComponentTypeRef::Module(_) => ComponentExternalKind::Module,
        ComponentTypeRef::Func(_) => ComponentExternalKind::Func,
        ComponentTypeRef::Value(_) => ComponentExternalKind::Value,
        ComponentTypeRef::Type(_) => ComponentExternalKind::Type,
        ComponentTypeRef::Instance(_) => ComponentExternalKind::Instance,
        ComponentTypeRef::Component(_) => ComponentExternalKind::Component,
    }
}

fn step<T: 'static>(
    store: &mut Store<T>,
    f: &mut Frame<'_>,
    d: &Def,
    args: &dyn Fn(&str) -> Option<Item>,
) -> Result<()> {
    match d {
        Def::CoreModule(m) | Def::OuterModule(m) => f.core_modules.push(m.clone()),
        Def::Component(c) | Def::OuterComponent(c) => {
            let enclosing = c.captures.then(|| {
                Arc::new(Enclosing {
                    modules: f.core_modules.clone(),
                    components: f.components.clone(),
                    outer: f.enclosing.clone(),
                })
            });
            f.components.push(ComponentClosure { def: c.clone(), enclosing });
        }
        Def::OuterCaptured { kind, count, index } => {
            let item = f.outer_item(*kind, *count, *index)?;
            f.push_item(item.0, item.1)?;
        }
        Def::Import { name, ty } => {
            let item = args(name).ok_or_else(|| Error::MissingImport(name.clone()))?;
            let kind = kind_of(ty);
            f.checking_import = f.root;
            let pushed = f.push_item(kind, item);
            f.checking_import = false;
            pushed.map_err(|e| match e {
                Error::InvalidComponent(reason) | Error::BadImport { reason, .. } => {
                    Error::BadImport { name: name.clone(), reason }
                }
                other => other,
            })?;
        }
        Def::CoreInstantiate { module, args: inst_args } => {
            let m = f.core_modules.get(*module as usize).ok_or_else(|| missing("module", *module))?.clone();
            let mut imports = Vec::new();
            for imp in m.imports() {
                let (_, inst) = inst_args.iter().find(|(n, _)| *n == imp.module).ok_or_else(|| {
                    Error::InvalidComponent(format!("no instance given for `{}`", imp.module))
                })?;
                let ext = match f
                    .core_instances
                    .get(*inst as usize)
                    .ok_or_else(|| missing("core instance", *inst))?
                {
                    CoreInstance::Real(i) => i.get_export(store, &imp.name),
                    CoreInstance::Synthetic(items) => {
                        items.iter().find(|(n, _)| *n == imp.name).map(|(_, e)| *e)
                    }
                };
                imports.push(ext.ok_or_else(|| {
                    Error::InvalidComponent(format!(
                        "core import `{}::{}` not provided",
                        imp.module, imp.name
                    ))
                })?);
            }
            let inst = tessera_engine::Instance::new(store, &m, &imports)?;
            f.core_instances.push(CoreInstance::Real(inst));
        }
        Def::CoreFromExports(exports) => {
            let items = exports
                .iter()
                .map(|(n, k, i)| Ok((n.clone(), f.core_extern(*k, *i)?)))
                .collect::<Result<Vec<_>>>()?;
            f.core_instances.push(CoreInstance::Synthetic(items));
        }
        Def::CoreAlias { instance, kind, name } => {
            let ext = match f
                .core_instances
                .get(*instance as usize)
                .ok_or_else(|| missing("core instance", *instance))?
            {
                CoreInstance::Real(i) => i.get_export(store, name),
                CoreInstance::Synthetic(items) => items.iter().find(|(n, _)| n == name).map(|(_, e)| *e),
            };
            let ext =
                ext.ok_or_else(|| Error::InvalidComponent(format!("core export `{name}` not found")))?;
            let matches = matches!(
                (kind, &ext),
                (ExternalKind::Func, Extern::Func(_))
                    | (ExternalKind::Memory, Extern::Memory(_))
                    | (ExternalKind::Table, Extern::Table(_))
                    | (ExternalKind::Global, Extern::Global(_))
            );
            if !matches {
                return Err(Error::InvalidComponent(format!("core export `{name}` is not a {kind:?}")));
            }
            f.push_core(ext);
        }
        Def::Type => f.types_space.push(None),
        Def::Resource { dtor } => {
            let idx = f.types_space.len() as u32;
            let dtor = dtor
                .map(|i| f.core_funcs.get(i as usize).copied().ok_or_else(|| missing("func", i)))
                .transpose()?;
            let rt = ResourceType::guest(format!("resource{idx}"), Arc::downgrade(&f.state), dtor);
            if let ComponentAnyTypeId::Resource(id) = f.types.component_any_type_at(idx) {
                f.resources.insert(id.resource(), rt.clone());
            }
            f.types_space.push(Some(rt));
        }
        Def::AliasExport { instance, kind, name } => {
            let inst = f.instances.get(*instance as usize).ok_or_else(|| missing("instance", *instance))?;
            let value_type = *kind == ComponentExternalKind::Type
                && !matches!(
                    f.types.component_any_type_at(f.types_space.len() as u32),
                    ComponentAnyTypeId::Resource(_)
                );
            let item = match inst.get(name) {
                Some(item) => item.clone(),
                None if value_type => Item::Type(None),
                None => return Err(Error::InvalidComponent(format!("instance has no export `{name}`"))),
            };
            f.push_item(*kind, item)?;
        }
        Def::Export { name, kind, index } => {
            let item = f.item(*kind, *index)?;
            f.push_item(*kind, item.clone())?;
            f.exports.0.push((name.clone(), item));
        }
        Def::Instantiate { component, args: inst_args } => {
            let child = f
                .components
                .get(*component as usize)
                .ok_or_else(|| missing("component", *component))?
                .clone();
            let ComponentClosure { def: child, enclosing } = child;
            let given = inst_args
                .iter()
                .map(|(n, k, i)| Ok((n.clone(), f.item(*k, *i)?)))
                .collect::<Result<Vec<_>>>()?;
            let lookup = |name: &str| given.iter().find(|(n, _)| n == name).map(|(_, i)| i.clone());
            let exports = instantiate_in(store, &child, enclosing, &lookup, Some(f.state.clone()), None)?;
            f.push_item(ComponentExternalKind::Instance, Item::Instance(exports))?;
        }
        Def::InstanceFromExports(exports) => {
            let items = exports
                .iter()
                .map(|(n, k, i)| Ok((n.clone(), f.item(*k, *i)?)))
                .collect::<Result<Vec<_>>>()?;
            f.push_item(ComponentExternalKind::Instance, Item::Instance(Arc::new(Exports(items))))?;
        }
        Def::Lift { core_func, opts } => {
            let idx = f.funcs.len() as u32;
            let ty = f.func_type(f.types.component_function_at(idx))?;
            let core =
                *f.core_funcs.get(*core_func as usize).ok_or_else(|| missing("core func", *core_func))?;
            let opts = f.options(opts)?;
            // Validation guarantees this; checking it once here keeps a call from ever
            // handing the core function values of the wrong shape.
            let (params, results) = &ty.layout().lift_signature;
            let core_ty = core.ty(store);
            if core_ty.params() != params.as_slice() || core_ty.results() != results.as_slice() {
                return Err(Error::InvalidComponent(format!("lifted core function has type {core_ty}")));
            }
            let inst = f.state.clone();
            f.funcs.push(Func(Arc::new(crate::func::FuncKind::Lifted { core, opts, ty, inst })));
        }
        Def::Lower { func, opts } => {
            let callee = f.funcs.get(*func as usize).ok_or_else(|| missing("func", *func))?.clone();
            let ty = f.func_type(f.types.component_function_at(*func))?;
            let opts = f.options(opts)?;
            let (params, results) = ty.layout().lower_signature.clone();
            let inst = f.state.clone();
            let core =
                CoreFunc::new(store, CoreFuncType::new(params, results), move |mut caller, args, results| {
                    lowered_call(caller.store(), &callee, &ty, &opts, &inst, args, results)
                        .map_err(Error::into_engine)
                });
            f.core_funcs.push(core);
        }
        Def::ResourceNew { ty } => {
            let rt = f.resource_type(*ty)?;
            let inst = f.state.clone();
            let sig = CoreFuncType::new([tessera_engine::ValType::I32], [tessera_engine::ValType::I32]);
            let core = CoreFunc::new(store, sig, move |_caller, args, results| {
                let r = (|| {
                    inst.check_may_leave()?;
                    let rep = args[0].i32().unwrap_or(0) as u32;
                    inst.lock().handles.add(Handle {
                        ty: rt.clone(),
                        rep,
                        own: true,
                        num_lends: 0,
                        scope: None,
                    })
                })();
                results[0] = tessera_engine::Val::I32(r.map_err(Error::into_engine)? as i32);
                Ok(())
            });
            f.core_funcs.push(core);
        }
        Def::ResourceRep { ty } => {
            let rt = f.resource_type(*ty)?;
            let inst = f.state.clone();
            let sig = CoreFuncType::new([tessera_engine::ValType::I32], [tessera_engine::ValType::I32]);
            let core = CoreFunc::new(store, sig, move |_caller, args, results| {
                let r = (|| {
                    let data = inst.lock();
                    let i = args[0].i32().unwrap_or(0) as u32;
                    let h = data.handles.get(i)?;
                    check_handle_type(i, &h.ty, &rt)?;
                    Ok(h.rep)
                })();
                results[0] = tessera_engine::Val::I32(r.map_err(Error::into_engine)? as i32);
                Ok(())
            });
            f.core_funcs.push(core);
        }
        Def::ResourceDrop { ty } => {
            let rt = f.resource_type(*ty)?;
            let inst = f.state.clone();
            let sig = CoreFuncType::new([tessera_engine::ValType::I32], []);
            let core = CoreFunc::new(store, sig, move |mut caller, args, _results| {
                resource_drop(caller.store(), &inst, &rt, args[0].i32().unwrap_or(0) as u32)
                    .map_err(Error::into_engine)
            });
            f.core_funcs.push(core);
        }
    }
    Ok(())
}

/// `canon resource.drop`.
fn resource_drop<T: 'static>(
    store: &mut Store<T>,
    inst: &Arc<InstanceState>,
    rt: &ResourceType,
    i: u32,
) -> Result<()> {
    inst.check_may_leave()?;
    let h = {
        let mut data = inst.lock();
        let h = data.handles.get(i)?;
        check_handle_type(i, &h.ty, rt)?;
        trap_if(h.num_lends != 0, "cannot remove owned resource while borrowed")?;
        let h = data.handles.remove(i)?;
        if let Some(scope) = h.scope {
            data.borrow_dropped(scope);
        }
        h
    };
    if h.own {
        // The canon's own type carries the destructor (a host resource handed in by the
        // host may have been made without one).
        run_dtor(store, rt, h.rep, Some(inst))?;
    }
    Ok(())
}
