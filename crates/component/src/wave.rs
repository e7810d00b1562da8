//! WAVE (the WebAssembly Value Encoding that wasm-tools and wasmtime print) for [`Val`]
//! and [`Type`], through the `wasm-wave` crate: parsing `f(args)` calls and printing results.

use std::borrow::Cow;
use wasm_wave::wasm::{WasmType, WasmTypeKind, WasmValue, WasmValueError};

use crate::error::{Error, Result};
use crate::types::Type;
use crate::values::Val;

impl WasmType for Type {
    fn kind(&self) -> WasmTypeKind {
        match self {
            Type::Bool => WasmTypeKind::Bool,
            Type::S8 => WasmTypeKind::S8,
            Type::U8 => WasmTypeKind::U8,
            Type::S16 => WasmTypeKind::S16,
            Type::U16 => WasmTypeKind::U16,
            Type::S32 => WasmTypeKind::S32,
            Type::U32 => WasmTypeKind::U32,
            Type::S64 => WasmTypeKind::S64,
            Type::U64 => WasmTypeKind::U64,
            Type::F32 => WasmTypeKind::F32,
            Type::F64 => WasmTypeKind::F64,
            Type::Char => WasmTypeKind::Char,
            Type::String => WasmTypeKind::String,
            // WAVE writes a fixed-length list as a list, and its parser knows only lists;
            // the length is checked when the value is lowered.
            Type::List(_) | Type::FixedList(..) => WasmTypeKind::List,
            Type::Map(_) => WasmTypeKind::Map,
            Type::Record(_) => WasmTypeKind::Record,
            Type::Tuple(_) => WasmTypeKind::Tuple,
            Type::Variant(_) => WasmTypeKind::Variant,
            Type::Enum(_) => WasmTypeKind::Enum,
            Type::Option(_) => WasmTypeKind::Option,
            Type::Result(_) => WasmTypeKind::Result,
            Type::Flags(_) => WasmTypeKind::Flags,
            Type::Own(_) | Type::Borrow(_) => WasmTypeKind::Unsupported,
        }
    }

    fn list_element_type(&self) -> Option<Self> {
        match self {
            Type::List(t) | Type::FixedList(t, _) => Some((**t).clone()),
            _ => None,
        }
    }

    fn map_key_value_types(&self) -> Option<(Self, Self)> {
        match self {
            Type::Map(m) => Some((m.key.clone(), m.value.clone())),
            _ => None,
        }
    }

    fn record_fields(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Self)> + '_> {
        match self {
            Type::Record(fs) => Box::new(fs.iter().map(|f| (Cow::Borrowed(f.name.as_str()), f.ty.clone()))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn tuple_element_types(&self) -> Box<dyn Iterator<Item = Self> + '_> {
        match self {
            Type::Tuple(ts) => Box::new(ts.iter().cloned()),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn variant_cases(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Option<Self>)> + '_> {
        match self {
            Type::Variant(cs) => Box::new(cs.iter().map(|c| (Cow::Borrowed(c.name.as_str()), c.ty.clone()))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn enum_cases(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match self {
            Type::Enum(cs) => Box::new(cs.iter().map(|c| Cow::Borrowed(c.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn option_some_type(&self) -> Option<Self> {
        match self {
            Type::Option(t) => Some((**t).clone()),
            _ => None,
        }
    }

    fn result_types(&self) -> Option<(Option<Self>, Option<Self>)> {
        match self {
            Type::Result(r) => Some((r.ok.clone(), r.err.clone())),
            _ => None,
        }
    }

    fn flags_names(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match self {
            Type::Flags(fs) => Box::new(fs.iter().map(|f| Cow::Borrowed(f.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }
}

fn boxed(v: Option<Val>) -> Option<Box<Val>> {
    v.map(Box::new)
}

fn cow(v: &Val) -> Cow<'_, Val> {
    Cow::Borrowed(v)
}

impl WasmValue for Val {
    type Type = Type;

    fn kind(&self) -> WasmTypeKind {
        match self {
            Val::Bool(_) => WasmTypeKind::Bool,
            Val::S8(_) => WasmTypeKind::S8,
            Val::U8(_) => WasmTypeKind::U8,
            Val::S16(_) => WasmTypeKind::S16,
            Val::U16(_) => WasmTypeKind::U16,
            Val::S32(_) => WasmTypeKind::S32,
            Val::U32(_) => WasmTypeKind::U32,
            Val::S64(_) => WasmTypeKind::S64,
            Val::U64(_) => WasmTypeKind::U64,
            Val::Float32(_) => WasmTypeKind::F32,
            Val::Float64(_) => WasmTypeKind::F64,
            Val::Char(_) => WasmTypeKind::Char,
            Val::String(_) => WasmTypeKind::String,
            Val::List(_) => WasmTypeKind::List,
            Val::Map(_) => WasmTypeKind::Map,
            Val::Record(_) => WasmTypeKind::Record,
            Val::Tuple(_) => WasmTypeKind::Tuple,
            Val::Variant(..) => WasmTypeKind::Variant,
            Val::Enum(_) => WasmTypeKind::Enum,
            Val::Option(_) => WasmTypeKind::Option,
            Val::Result(_) => WasmTypeKind::Result,
            Val::Flags(_) => WasmTypeKind::Flags,
            Val::Resource(_) => WasmTypeKind::Unsupported,
        }
    }

    fn make_bool(v: bool) -> Self {
        Val::Bool(v)
    }
    fn make_s8(v: i8) -> Self {
        Val::S8(v)
    }
    fn make_s16(v: i16) -> Self {
        Val::S16(v)
    }
    fn make_s32(v: i32) -> Self {
        Val::S32(v)
    }
    fn make_s64(v: i64) -> Self {
        Val::S64(v)
    }
    fn make_u8(v: u8) -> Self {
        Val::U8(v)
    }
    fn make_u16(v: u16) -> Self {
        Val::U16(v)
    }
    fn make_u32(v: u32) -> Self {
        Val::U32(v)
    }
    fn make_u64(v: u64) -> Self {
        Val::U64(v)
    }
    fn make_f32(v: f32) -> Self {
        Val::Float32(v)
    }
    fn make_f64(v: f64) -> Self {
        Val::Float64(v)
    }
    fn make_char(v: char) -> Self {
        Val::Char(v)
    }
    fn make_string(v: Cow<str>) -> Self {
        Val::String(v.into_owned())
    }
    fn make_list(_ty: &Type, vals: impl IntoIterator<Item = Self>) -> Result<Self, WasmValueError> {
        Ok(Val::List(vals.into_iter().collect()))
    }
    fn make_map(_ty: &Type, entries: impl IntoIterator<Item = (Self, Self)>) -> Result<Self, WasmValueError> {
        Ok(Val::Map(entries.into_iter().collect()))
    }
    fn make_record<'a>(
        _ty: &Type,
        fields: impl IntoIterator<Item = (&'a str, Self)>,
    ) -> Result<Self, WasmValueError> {
        Ok(Val::Record(fields.into_iter().map(|(n, v)| (n.to_string(), v)).collect()))
    }
    fn make_tuple(_ty: &Type, vals: impl IntoIterator<Item = Self>) -> Result<Self, WasmValueError> {
        Ok(Val::Tuple(vals.into_iter().collect()))
    }
    fn make_variant(_ty: &Type, case: &str, val: Option<Self>) -> Result<Self, WasmValueError> {
        Ok(Val::Variant(case.to_string(), boxed(val)))
    }
    fn make_enum(_ty: &Type, case: &str) -> Result<Self, WasmValueError> {
        Ok(Val::Enum(case.to_string()))
    }
    fn make_option(_ty: &Type, val: Option<Self>) -> Result<Self, WasmValueError> {
        Ok(Val::Option(boxed(val)))
    }
    fn make_result(_ty: &Type, val: Result<Option<Self>, Option<Self>>) -> Result<Self, WasmValueError> {
        Ok(Val::Result(val.map(boxed).map_err(boxed)))
    }
    fn make_flags<'a>(_ty: &Type, names: impl IntoIterator<Item = &'a str>) -> Result<Self, WasmValueError> {
        Ok(Val::Flags(names.into_iter().map(str::to_string).collect()))
    }

    fn unwrap_bool(&self) -> bool {
        matches!(self, Val::Bool(true))
    }
    fn unwrap_s8(&self) -> i8 {
        if let Val::S8(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_s16(&self) -> i16 {
        if let Val::S16(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_s32(&self) -> i32 {
        if let Val::S32(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_s64(&self) -> i64 {
        if let Val::S64(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u8(&self) -> u8 {
        if let Val::U8(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u16(&self) -> u16 {
        if let Val::U16(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u32(&self) -> u32 {
        if let Val::U32(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u64(&self) -> u64 {
        if let Val::U64(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_f32(&self) -> f32 {
        if let Val::Float32(v) = self {
            *v
        } else {
            0.0
        }
    }
    fn unwrap_f64(&self) -> f64 {
        if let Val::Float64(v) = self {
            *v
        } else {
            0.0
        }
    }
    fn unwrap_char(&self) -> char {
        if let Val::Char(v) = self {
            *v
        } else {
            '\0'
        }
    }
    fn unwrap_string(&self) -> Cow<'_, str> {
        if let Val::String(v) = self {
            Cow::Borrowed(v)
        } else {
            Cow::Borrowed("")
        }
    }
    fn unwrap_list(&self) -> Box<dyn Iterator<Item = Cow<'_, Self>> + '_> {
        match self {
            Val::List(vs) => Box::new(vs.iter().map(cow)),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn unwrap_map(&self) -> Box<dyn Iterator<Item = (Cow<'_, Self>, Cow<'_, Self>)> + '_> {
        match self {
            Val::Map(entries) => Box::new(entries.iter().map(|(k, v)| (cow(k), cow(v)))),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn unwrap_record(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Cow<'_, Self>)> + '_> {
        match self {
            Val::Record(fs) => Box::new(fs.iter().map(|(n, v)| (Cow::Borrowed(n.as_str()), cow(v)))),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn unwrap_tuple(&self) -> Box<dyn Iterator<Item = Cow<'_, Self>> + '_> {
        match self {
            Val::Tuple(vs) => Box::new(vs.iter().map(cow)),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn unwrap_variant(&self) -> (Cow<'_, str>, Option<Cow<'_, Self>>) {
        match self {
            Val::Variant(n, p) => (Cow::Borrowed(n.as_str()), p.as_deref().map(cow)),
            _ => (Cow::Borrowed(""), None),
        }
    }
    fn unwrap_enum(&self) -> Cow<'_, str> {
        match self {
            Val::Enum(n) => Cow::Borrowed(n.as_str()),
            _ => Cow::Borrowed(""),
        }
    }
    fn unwrap_option(&self) -> Option<Cow<'_, Self>> {
        match self {
            Val::Option(p) => p.as_deref().map(cow),
            _ => None,
        }
    }
    fn unwrap_result(&self) -> Result<Option<Cow<'_, Self>>, Option<Cow<'_, Self>>> {
        match self {
            Val::Result(Ok(p)) => Ok(p.as_deref().map(cow)),
            Val::Result(Err(p)) => Err(p.as_deref().map(cow)),
            _ => Ok(None),
        }
    }
    fn unwrap_flags(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match self {
            Val::Flags(fs) => Box::new(fs.iter().map(|f| Cow::Borrowed(f.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }
}

/// Parses a WAVE value of type `ty`.
///
/// # Errors
/// If `text` is not a WAVE value of that type.
pub fn parse_value(ty: &Type, text: &str) -> Result<Val> {
    wasm_wave::from_str::<Val>(ty, text).map_err(|e| Error::TypeMismatch(format!("bad WAVE value: {e}")))
}

/// Prints `val` in WAVE.
///
/// # Errors
/// If the value holds a resource handle, which WAVE cannot write.
pub fn print_value(val: &Val) -> Result<String> {
    if contains_resource(val) {
        return Err(Error::Unsupported("printing resource handles in WAVE".into()));
    }
    wasm_wave::to_string(val).map_err(|e| Error::TypeMismatch(format!("cannot print value in WAVE: {e}")))
}

fn contains_resource(v: &Val) -> bool {
    match v {
        Val::Resource(_) => true,
        Val::List(vs) | Val::Tuple(vs) => vs.iter().any(contains_resource),
        Val::Map(entries) => entries.iter().any(|(k, v)| contains_resource(k) || contains_resource(v)),
        Val::Record(fs) => fs.iter().any(|(_, v)| contains_resource(v)),
        Val::Variant(_, Some(p)) | Val::Option(Some(p)) | Val::Result(Ok(Some(p)) | Err(Some(p))) => {
            contains_resource(p)
        }
        _ => false,
    }
}

/// A parsed call expression `name(arg, ...)` in WAVE.
pub struct WaveCall {
    pub name: String,
    call: wasm_wave::untyped::UntypedFuncCall<'static>,
}

impl WaveCall {
    /// Parses `name(args...)` (or a bare `name` for a call without arguments).
    ///
    /// # Errors
    /// If the text is not a WAVE function call.
    pub fn parse(text: &str) -> Result<WaveCall> {
        let call = wasm_wave::untyped::UntypedFuncCall::parse(text)
            .map_err(|e| Error::TypeMismatch(format!("bad call expression `{text}`: {e}")))?
            .into_owned();
        Ok(WaveCall { name: call.name().to_string(), call })
    }

    /// The arguments, typed by the function's parameters.
    ///
    /// # Errors
    /// If the arguments do not fit the parameter types.
    pub fn args(&self, params: &[Type]) -> Result<Vec<Val>> {
        self.call
            .to_wasm_params::<Val>(params.iter())
            .map_err(|e| Error::TypeMismatch(format!("bad arguments for `{}`: {e}", self.name)))
    }
}
