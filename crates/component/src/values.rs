//! Component values: [`Val`] and resource handles held by the host, [`ResourceAny`].

use crate::types::ResourceType;

/// A component value, as passed to and returned from component functions.
/// Non-exhaustive, as [`crate::Type`] is.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Val {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    Float32(f32),
    Float64(f64),
    Char(char),
    String(String),
    /// A `list<T>` or a `list<T, N>`.
    List(Vec<Val>),
    /// A `map<K, V>`: its entries in order (the Canonical ABI keeps order and duplicates).
    Map(Vec<(Val, Val)>),
    Record(Vec<(String, Val)>),
    Tuple(Vec<Val>),
    Variant(String, Option<Box<Val>>),
    Enum(String),
    Option(Option<Box<Val>>),
    Result(Result<Option<Box<Val>>, Option<Box<Val>>>),
    /// The names of the flags that are set.
    Flags(Vec<String>),
    Resource(ResourceAny),
}

impl Val {
    /// The value of a function without a result, which also stands for "no payload" in
    /// [`Val::ok`] and [`Val::err`]: the empty tuple.
    pub fn unit() -> Val {
        Val::Tuple(Vec::new())
    }

    /// `ok(v)` of a `result`; [`Val::unit`] gives `ok` without a payload.
    pub fn ok(v: Val) -> Val {
        Val::Result(Ok(Val::payload(v)))
    }

    /// `err(v)` of a `result`; [`Val::unit`] gives `err` without a payload.
    pub fn err(v: Val) -> Val {
        Val::Result(Err(Val::payload(v)))
    }

    /// `some(v)` of an `option`.
    pub fn some(v: Val) -> Val {
        Val::Option(Some(Box::new(v)))
    }

    /// `none` of an `option`.
    pub fn none() -> Val {
        Val::Option(None)
    }

    fn payload(v: Val) -> Option<Box<Val>> {
        match v {
            Val::Tuple(t) if t.is_empty() => None,
            v => Some(Box::new(v)),
        }
    }

    /// A short name of the value's kind, for mismatch messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Bool(_) => "bool",
            Val::S8(_) => "s8",
            Val::U8(_) => "u8",
            Val::S16(_) => "s16",
            Val::U16(_) => "u16",
            Val::S32(_) => "s32",
            Val::U32(_) => "u32",
            Val::S64(_) => "s64",
            Val::U64(_) => "u64",
            Val::Float32(_) => "f32",
            Val::Float64(_) => "f64",
            Val::Char(_) => "char",
            Val::String(_) => "string",
            Val::List(_) => "list",
            Val::Map(_) => "map",
            Val::Record(_) => "record",
            Val::Tuple(_) => "tuple",
            Val::Variant(..) => "variant",
            Val::Enum(_) => "enum",
            Val::Option(_) => "option",
            Val::Result(_) => "result",
            Val::Flags(_) => "flags",
            Val::Resource(_) => "resource",
        }
    }
}

/// A resource handle held by the host: the resource's type, its representation, and whether
/// the host owns it or only borrows it for the duration of a call.
///
/// An owned handle moves into the callee when passed to a component; dropping it without
/// passing it on leaks the resource unless [`crate::Func::resource_drop`] is called.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceAny {
    pub(crate) ty: ResourceType,
    pub(crate) rep: u32,
    pub(crate) own: bool,
}

impl ResourceAny {
    /// A handle to a host resource of type `ty` whose representation is `rep` (for example
    /// an index into the host's own table).
    pub fn new_own(ty: ResourceType, rep: u32) -> ResourceAny {
        ResourceAny { ty, rep, own: true }
    }

    /// A borrowed handle to a host resource, valid for one call.
    pub fn new_borrow(ty: ResourceType, rep: u32) -> ResourceAny {
        ResourceAny { ty, rep, own: false }
    }

    pub fn ty(&self) -> &ResourceType {
        &self.ty
    }

    /// The representation: for host resources the host's own number, for guest resources
    /// the implementing instance's `i32`.
    pub fn rep(&self) -> u32 {
        self.rep
    }

    pub fn owned(&self) -> bool {
        self.own
    }
}
