//! Component value types as the runtime sees them: [`Type`], [`FuncType`] and
//! [`ResourceType`].
//!
//! The validator (`wasmparser`) describes types with ids into its own type list, and its
//! resource ids are static: the same `(type (resource ...))` instantiated twice has one id.
//! At run time each instantiation makes fresh resource types, so converting a validator type
//! into a [`Type`] goes through the instance's map from resource id to [`ResourceType`].

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use wasmparser::component_types::{ComponentDefinedType, ComponentFuncTypeId, ComponentValType, ResourceId};
use wasmparser::types::TypesRef;
use wasmparser::PrimitiveValType;

use crate::abi::layout::FuncLayout;
use crate::error::{Error, Result};
use crate::resources::InstanceState;

/// The type of a component value. Non-exhaustive: the Component Model still grows
/// (`stream`, `future` and `error-context` come with its async ABI).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Type {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    F32,
    F64,
    Char,
    String,
    List(Arc<Type>),
    /// `list<T, N>`: exactly `N` elements, laid out inline (no pointer).
    FixedList(Arc<Type>, u32),
    /// `map<K, V>`: in the Canonical ABI, a `list<tuple<K, V>>`.
    Map(Arc<MapType>),
    Record(Arc<[Field]>),
    Tuple(Arc<[Type]>),
    Variant(Arc<[Case]>),
    Enum(Arc<[String]>),
    Option(Arc<Type>),
    Result(Arc<ResultType>),
    Flags(Arc<[String]>),
    Own(ResourceType),
    Borrow(ResourceType),
}

/// A named field of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: Type,
}

/// A case of a variant, with its payload type if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub name: String,
    pub ty: Option<Type>,
}

/// The key and value types of a `map`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapType {
    pub key: Type,
    pub value: Type,
}

/// The two payload types of a `result`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultType {
    pub ok: Option<Type>,
    pub err: Option<Type>,
}

impl Type {
    fn only_host_resources(&self) -> bool {
        match self {
            Type::List(t) | Type::Option(t) | Type::FixedList(t, _) => t.only_host_resources(),
            Type::Map(m) => m.key.only_host_resources() && m.value.only_host_resources(),
            Type::Record(fields) => fields.iter().all(|f| f.ty.only_host_resources()),
            Type::Tuple(ts) => ts.iter().all(Type::only_host_resources),
            Type::Variant(cases) => cases.iter().all(|c| c.ty.as_ref().is_none_or(Type::only_host_resources)),
            Type::Result(r) => {
                r.ok.as_ref().is_none_or(Type::only_host_resources)
                    && r.err.as_ref().is_none_or(Type::only_host_resources)
            }
            Type::Own(r) | Type::Borrow(r) => matches!(r.0.key, ResourceKey::Host(_)),
            _ => true,
        }
    }

    /// The WIT spelling of the type (resource names are not known here, so handles print as
    /// `own<resource>` / `borrow<resource>`).
    pub fn wit(&self) -> String {
        let opt = |t: &Option<Type>| t.as_ref().map_or("_".to_string(), Type::wit);
        match self {
            Type::Bool => "bool".into(),
            Type::S8 => "s8".into(),
            Type::U8 => "u8".into(),
            Type::S16 => "s16".into(),
            Type::U16 => "u16".into(),
            Type::S32 => "s32".into(),
            Type::U32 => "u32".into(),
            Type::S64 => "s64".into(),
            Type::U64 => "u64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "string".into(),
            Type::List(t) => format!("list<{}>", t.wit()),
            Type::FixedList(t, n) => format!("list<{}, {n}>", t.wit()),
            Type::Map(m) => format!("map<{}, {}>", m.key.wit(), m.value.wit()),
            Type::Record(fs) => {
                let fs: Vec<_> = fs.iter().map(|f| format!("{}: {}", f.name, f.ty.wit())).collect();
                format!("record {{ {} }}", fs.join(", "))
            }
            Type::Tuple(ts) => format!("tuple<{}>", ts.iter().map(Type::wit).collect::<Vec<_>>().join(", ")),
            Type::Variant(cs) => {
                let cs: Vec<_> = cs
                    .iter()
                    .map(|c| match &c.ty {
                        Some(t) => format!("{}({})", c.name, t.wit()),
                        None => c.name.clone(),
                    })
                    .collect();
                format!("variant {{ {} }}", cs.join(", "))
            }
            Type::Enum(cs) => format!("enum {{ {} }}", cs.join(", ")),
            Type::Option(t) => format!("option<{}>", t.wit()),
            Type::Result(r) => match (&r.ok, &r.err) {
                (None, None) => "result".into(),
                (ok, err) => format!("result<{}, {}>", opt(ok), opt(err)),
            },
            Type::Flags(fs) => format!("flags {{ {} }}", fs.join(", ")),
            Type::Own(r) => format!("own<{}>", r.name()),
            Type::Borrow(r) => format!("borrow<{}>", r.name()),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.wit())
    }
}

/// A component function's signature.
#[derive(Clone, Debug)]
pub struct FuncType {
    pub params: Arc<[(String, Type)]>,
    pub result: Option<Type>,
    /// How calls of this signature cross the Canonical ABI, worked out on first use.
    layout: OnceLock<FuncLayout>,
}

impl PartialEq for FuncType {
    fn eq(&self, other: &FuncType) -> bool {
        self.params == other.params && self.result == other.result
    }
}

impl Eq for FuncType {}

impl FuncType {
    /// A signature with these parameters and result.
    pub fn new(params: impl Into<Arc<[(String, Type)]>>, result: Option<Type>) -> FuncType {
        FuncType { params: params.into(), result, layout: OnceLock::new() }
    }

    /// The flat shapes of this signature (computed once: calls through lowered imports and
    /// lifted exports would otherwise flatten every type on every call).
    pub(crate) fn layout(&self) -> &FuncLayout {
        self.layout.get_or_init(|| FuncLayout::new(self))
    }

    /// Whether every resource the signature mentions is the host's (the same in every
    /// instance, so the converted type can be kept).
    pub(crate) fn only_host_resources(&self) -> bool {
        self.param_types().all(Type::only_host_resources)
            && self.result.as_ref().is_none_or(Type::only_host_resources)
    }

    pub fn param_types(&self) -> impl ExactSizeIterator<Item = &Type> + '_ {
        self.params.iter().map(|(_, t)| t)
    }

    pub fn results_len(&self) -> usize {
        usize::from(self.result.is_some())
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ps: Vec<_> = self.params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        write!(f, "func({})", ps.join(", "))?;
        if let Some(r) = &self.result {
            write!(f, " -> {r}")?;
        }
        Ok(())
    }
}

static NEXT_RESOURCE: AtomicU64 = AtomicU64::new(1);

/// A resource type. Guest resource types are made fresh by each instantiation; host
/// resource types are named by a Rust type, so every `ResourceType::host::<R>()` is equal.
#[derive(Clone)]
pub struct ResourceType(pub(crate) Arc<ResourceTypeInner>);

pub(crate) struct ResourceTypeInner {
    pub(crate) key: ResourceKey,
    pub(crate) name: String,
    pub(crate) kind: ResourceKind,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum ResourceKey {
    Guest(u64),
    Host(TypeId),
}

pub(crate) enum ResourceKind {
    /// Defined by a component instance; its destructor is a core function there.
    Guest { instance: Weak<InstanceState>, dtor: Option<tessera_engine::Func> },
    /// Defined by the host; the destructor (if any) is a `HostDtor<T>` from the linker.
    Host { dtor: Option<Arc<dyn Any + Send + Sync>> },
}

impl ResourceType {
    /// The resource type named by the Rust type `R` (the host's own resources).
    pub fn host<R: 'static>() -> ResourceType {
        ResourceType::host_with(TypeId::of::<R>(), std::any::type_name::<R>(), None)
    }

    pub(crate) fn host_with(
        id: TypeId,
        name: &str,
        dtor: Option<Arc<dyn Any + Send + Sync>>,
    ) -> ResourceType {
        let name = name.rsplit("::").next().unwrap_or(name).to_string();
        ResourceType(Arc::new(ResourceTypeInner {
            key: ResourceKey::Host(id),
            name,
            kind: ResourceKind::Host { dtor },
        }))
    }

    pub(crate) fn guest(
        name: String,
        instance: Weak<InstanceState>,
        dtor: Option<tessera_engine::Func>,
    ) -> ResourceType {
        let key = ResourceKey::Guest(NEXT_RESOURCE.fetch_add(1, Ordering::Relaxed));
        ResourceType(Arc::new(ResourceTypeInner { key, name, kind: ResourceKind::Guest { instance, dtor } }))
    }

    /// The name the resource was defined or imported under (for messages).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Whether the host defines this resource (rather than a component).
    pub(crate) fn is_host(&self) -> bool {
        matches!(self.0.kind, ResourceKind::Host { .. })
    }

    /// The instance that implements this resource (`None` for host resources).
    pub(crate) fn implementer(&self) -> Option<Arc<InstanceState>> {
        match &self.0.kind {
            ResourceKind::Guest { instance, .. } => instance.upgrade(),
            ResourceKind::Host { .. } => None,
        }
    }
}

impl PartialEq for ResourceType {
    fn eq(&self, other: &ResourceType) -> bool {
        self.0.key == other.0.key
    }
}

impl Eq for ResourceType {}

impl fmt::Debug for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resource {}", self.0.name)
    }
}

/// Resource ids of one component (as the validator numbers them) mapped to run-time types.
pub(crate) type ResourceMap = HashMap<ResourceId, ResourceType>;

/// Converts validator types into run-time [`Type`]s within one instance's scope.
pub(crate) struct TypeConverter<'a> {
    pub(crate) types: TypesRef<'a>,
    pub(crate) resources: &'a ResourceMap,
}

impl TypeConverter<'_> {
    pub(crate) fn func(&self, id: ComponentFuncTypeId) -> Result<FuncType> {
        let ty = &self.types[id];
        if ty.async_ {
            return Err(Error::Unsupported("async functions".into()));
        }
        let params =
            ty.params.iter().map(|(n, t)| Ok((n.to_string(), self.val(t)?))).collect::<Result<Vec<_>>>()?;
        let result = ty.result.as_ref().map(|t| self.val(t)).transpose()?;
        Ok(FuncType::new(params, result))
    }

    pub(crate) fn val(&self, ty: &ComponentValType) -> Result<Type> {
        match ty {
            ComponentValType::Primitive(p) => primitive(*p).ok_or_else(error_context_unsupported),
            ComponentValType::Type(id) => self.defined(&self.types[*id]),
        }
    }

    fn resource(&self, id: ResourceId) -> Result<ResourceType> {
        self.resources
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::Unsupported("a resource type this runtime could not resolve".into()))
    }

    fn defined(&self, ty: &ComponentDefinedType) -> Result<Type> {
        Ok(match ty {
            ComponentDefinedType::Primitive(p) => primitive(*p).ok_or_else(error_context_unsupported)?,
            ComponentDefinedType::Record(r) => Type::Record(
                r.fields
                    .iter()
                    .map(|(n, t)| Ok(Field { name: n.to_string(), ty: self.val(t)? }))
                    .collect::<Result<Vec<_>>>()?
                    .into(),
            ),
            ComponentDefinedType::Variant(v) => Type::Variant(
                v.cases
                    .iter()
                    .map(|(n, c)| {
                        Ok(Case { name: n.to_string(), ty: c.ty.as_ref().map(|t| self.val(t)).transpose()? })
                    })
                    .collect::<Result<Vec<_>>>()?
                    .into(),
            ),
            ComponentDefinedType::List { element, .. } => Type::List(Arc::new(self.val(element)?)),
            ComponentDefinedType::FixedLengthList { element, length, .. } => {
                Type::FixedList(Arc::new(self.val(element)?), *length)
            }
            ComponentDefinedType::Map { key, value, .. } => {
                Type::Map(Arc::new(MapType { key: self.val(key)?, value: self.val(value)? }))
            }
            ComponentDefinedType::Tuple(t) => {
                Type::Tuple(t.types.iter().map(|t| self.val(t)).collect::<Result<Vec<_>>>()?.into())
            }
            ComponentDefinedType::Flags(names) => Type::Flags(names.iter().map(|n| n.to_string()).collect()),
            ComponentDefinedType::Enum(names) => Type::Enum(names.iter().map(|n| n.to_string()).collect()),
            ComponentDefinedType::Option { ty: t, .. } => Type::Option(Arc::new(self.val(t)?)),
            ComponentDefinedType::Result { ok, err, .. } => Type::Result(Arc::new(ResultType {
                ok: ok.as_ref().map(|t| self.val(t)).transpose()?,
                err: err.as_ref().map(|t| self.val(t)).transpose()?,
            })),
            ComponentDefinedType::Own(r) => Type::Own(self.resource(r.resource())?),
            ComponentDefinedType::Borrow(r) => Type::Borrow(self.resource(r.resource())?),
            other => return Err(Error::Unsupported(format!("component value type {other:?}"))),
        })
    }
}

fn error_context_unsupported() -> Error {
    Error::Unsupported("error-context values (the async ABI is not implemented yet)".into())
}

/// The run-time type of a primitive; `None` for `error-context`.
fn primitive(p: PrimitiveValType) -> Option<Type> {
    Some(match p {
        PrimitiveValType::Bool => Type::Bool,
        PrimitiveValType::S8 => Type::S8,
        PrimitiveValType::U8 => Type::U8,
        PrimitiveValType::S16 => Type::S16,
        PrimitiveValType::U16 => Type::U16,
        PrimitiveValType::S32 => Type::S32,
        PrimitiveValType::U32 => Type::U32,
        PrimitiveValType::S64 => Type::S64,
        PrimitiveValType::U64 => Type::U64,
        PrimitiveValType::F32 => Type::F32,
        PrimitiveValType::F64 => Type::F64,
        PrimitiveValType::Char => Type::Char,
        PrimitiveValType::String => Type::String,
        // Only the async ABI gives error-context handles a meaning; until it is implemented
        // a function that carries one is refused (see `TypeConverter::val`).
        PrimitiveValType::ErrorContext => return None,
    })
}
