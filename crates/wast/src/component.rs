//! Component-model scripts: `(component ...)` modules, `register` of component instances,
//! `invoke` with component values, and comparing component results.
//!
//! Components run in the script's one store, next to its core modules; a component's
//! imports are satisfied by the component instances the script registered (the core
//! `spectest` module and registered core instances are not visible to components).
//!
//! Arguments are converted to [`Val`]s by the called function's parameter types, so a
//! `u32.const` passed to a `u8` parameter is an error, not a silent conversion (record
//! fields may be written in any order there). Results are compared exactly: same kind, same
//! value, record fields by name and in the type's order, variant cases by name, floats by
//! their bits (with the spec's NaN patterns at the top level), flags as sets. Functions are
//! found by their export name, or as `instance#name` inside an exported instance.

use tessera_component::{Component, Error as CError, Instance, Linker, Type, Val};
use tessera_engine::{Error, Store};
use wast::component::WastVal;
use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastInvoke, WastRet};

use crate::values::{f32_matches, f64_matches};
use crate::Host;

/// The component linker of a script: every registered component instance, by name.
#[derive(Default)]
pub(crate) struct Components {
    linker: Linker<Host>,
    /// What `linker` holds, kept to rebuild it when a name is registered again (the
    /// component linker does not allow shadowing; scripts do).
    registered: Vec<(String, Instance)>,
}

impl Components {
    /// `(register "name" $instance)`: the instance's exports satisfy later imports of `name`.
    pub(crate) fn register(&mut self, name: &str, instance: &Instance) -> Result<(), String> {
        if self.registered.iter().any(|(n, _)| n == name) {
            self.registered.retain(|(n, _)| n != name);
            self.registered.push((name.to_string(), instance.clone()));
            let mut linker = Linker::new();
            for (n, i) in &self.registered {
                linker.define_instance(n, i).map_err(|e| e.to_string())?;
            }
            self.linker = linker;
            return Ok(());
        }
        self.linker.define_instance(name, instance).map_err(|e| e.to_string())?;
        self.registered.push((name.to_string(), instance.clone()));
        Ok(())
    }

    pub(crate) fn instantiate(
        &self,
        store: &mut Store<Host>,
        component: &Component,
    ) -> Result<Instance, CError> {
        self.linker.instantiate(store, component)
    }
}

/// Whether a failed instantiation is a link error (an import missing or of the wrong kind
/// or type), as `assert_unlinkable` expects.
pub(crate) fn is_link_error(e: &CError) -> bool {
    matches!(e, CError::MissingImport(_) | CError::BadImport { .. })
}

/// The component error as an engine error: traps and engine errors as themselves, the
/// rest (type mismatches, unsupported features) as host errors carrying the message.
pub(crate) fn into_engine(e: CError) -> Error {
    match e {
        CError::Engine(e) => e,
        other => Error::host(other),
    }
}

/// Whether the text of a Component Model trap is what the script expects: either contains
/// the other, as the core runner accepts a prefix either way.
pub(crate) fn trap_message_matches(ours: &str, expected: &str) -> bool {
    ours.contains(expected) || expected.contains(ours)
}

/// Calls the function `invoke` names in `instance`: a top-level export, or any name
/// [`Instance::find_func`] resolves (`instance#name`).
pub(crate) fn invoke(
    store: &mut Store<Host>,
    instance: &Instance,
    invoke: &WastInvoke<'_>,
) -> Result<Vec<Val>, Error> {
    let func = match instance.get_func(invoke.name) {
        Some(f) => f,
        None => instance.find_func(invoke.name).map_err(|e| Error::BadArguments(e.to_string()))?.1,
    };
    let ty = func
        .ty()
        .cloned()
        .ok_or_else(|| Error::BadArguments(format!("the type of `{}` is not known", invoke.name)))?;
    if ty.params.len() != invoke.args.len() {
        return Err(Error::BadArguments(format!(
            "`{}` takes {} arguments, the script passes {}",
            invoke.name,
            ty.params.len(),
            invoke.args.len()
        )));
    }
    let args = invoke
        .args
        .iter()
        .zip(ty.params.iter())
        .map(|(a, (name, t))| arg(a, t).map_err(|e| Error::BadArguments(format!("argument `{name}`: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut results = vec![Val::Bool(false); ty.results_len()];
    func.call(store, &args, &mut results).map_err(into_engine)?;
    Ok(results)
}

/// A script argument as a value of type `ty`. Floats are core arguments in the script's
/// grammar (`f32.const` parses as core first).
fn arg(a: &WastArg<'_>, ty: &Type) -> Result<Val, String> {
    match (a, ty) {
        (WastArg::Component(v), _) => val(v, ty),
        (WastArg::Core(WastArgCore::F32(f)), Type::F32) => Ok(Val::Float32(f32::from_bits(f.bits))),
        (WastArg::Core(WastArgCore::F64(f)), Type::F64) => Ok(Val::Float64(f64::from_bits(f.bits))),
        (WastArg::Core(c), _) => Err(format!("core argument {c:?} where a {ty} is expected")),
        _ => Err(format!("unsupported argument where a {ty} is expected")),
    }
}

fn val(v: &WastVal<'_>, ty: &Type) -> Result<Val, String> {
    let wrong = || Err(format!("{} where a {ty} is expected", describe(v)));
    let payload = |p: &Option<Box<WastVal<'_>>>, t: Option<&Type>| -> Result<Option<Box<Val>>, String> {
        match (p, t) {
            (None, None) => Ok(None),
            (Some(p), Some(t)) => Ok(Some(Box::new(val(p, t)?))),
            (None, Some(t)) => Err(format!("a payload of type {t} is missing")),
            (Some(_), None) => Err(format!("a payload where {ty} takes none")),
        }
    };
    Ok(match (v, ty) {
        (WastVal::Bool(b), Type::Bool) => Val::Bool(*b),
        (WastVal::U8(x), Type::U8) => Val::U8(*x),
        (WastVal::S8(x), Type::S8) => Val::S8(*x),
        (WastVal::U16(x), Type::U16) => Val::U16(*x),
        (WastVal::S16(x), Type::S16) => Val::S16(*x),
        (WastVal::U32(x), Type::U32) => Val::U32(*x),
        (WastVal::S32(x), Type::S32) => Val::S32(*x),
        (WastVal::U64(x), Type::U64) => Val::U64(*x),
        (WastVal::S64(x), Type::S64) => Val::S64(*x),
        (WastVal::F32(f), Type::F32) => Val::Float32(f32::from_bits(f.bits)),
        (WastVal::F64(f), Type::F64) => Val::Float64(f64::from_bits(f.bits)),
        (WastVal::Char(c), Type::Char) => Val::Char(*c),
        (WastVal::String(s), Type::String) => Val::String((*s).to_string()),
        (WastVal::List(vs), Type::List(t) | Type::FixedList(t, _)) => {
            Val::List(vs.iter().map(|v| val(v, t)).collect::<Result<_, _>>()?)
        }
        (WastVal::Map(entries), Type::Map(m)) => Val::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((val(k, &m.key)?, val(v, &m.value)?)))
                .collect::<Result<_, String>>()?,
        ),
        (WastVal::Record(fs), Type::Record(tfs)) => {
            if let Some((name, _)) = fs.iter().find(|(n, _)| !tfs.iter().any(|f| f.name == *n)) {
                return Err(format!("no field `{name}` in {ty}"));
            }
            let fields = tfs
                .iter()
                .map(|f| {
                    let (_, v) = fs
                        .iter()
                        .find(|(n, _)| *n == f.name)
                        .ok_or_else(|| format!("field `{}` of {ty} is missing", f.name))?;
                    Ok((f.name.clone(), val(v, &f.ty)?))
                })
                .collect::<Result<_, String>>()?;
            Val::Record(fields)
        }
        (WastVal::Tuple(vs), Type::Tuple(ts)) if vs.len() == ts.len() => {
            Val::Tuple(vs.iter().zip(ts.iter()).map(|(v, t)| val(v, t)).collect::<Result<_, _>>()?)
        }
        (WastVal::Variant(name, p), Type::Variant(cases)) => {
            let case =
                cases.iter().find(|c| c.name == *name).ok_or_else(|| format!("no case `{name}` in {ty}"))?;
            Val::Variant(case.name.clone(), payload(p, case.ty.as_ref())?)
        }
        (WastVal::Enum(name), Type::Enum(names)) => {
            if !names.iter().any(|n| n == name) {
                return Err(format!("no case `{name}` in {ty}"));
            }
            Val::Enum((*name).to_string())
        }
        (WastVal::Option(p), Type::Option(t)) => Val::Option(match p {
            None => None,
            Some(p) => Some(Box::new(val(p, t)?)),
        }),
        (WastVal::Result(r), Type::Result(rt)) => Val::Result(match r {
            Ok(p) => Ok(payload(p, rt.ok.as_ref())?),
            Err(p) => Err(payload(p, rt.err.as_ref())?),
        }),
        (WastVal::Flags(set), Type::Flags(names)) => {
            if let Some(f) = set.iter().find(|f| !names.iter().any(|n| n == *f)) {
                return Err(format!("no flag `{f}` in {ty}"));
            }
            Val::Flags(set.iter().map(|f| (*f).to_string()).collect())
        }
        _ => return wrong(),
    })
}

/// A short description of a script value, for mismatch messages.
fn describe(v: &WastVal<'_>) -> String {
    let kind = kind(v);
    let article = if matches!(kind, "enum" | "option") { "an" } else { "a" };
    format!("{article} {kind} value")
}

/// The kind of a script value, named as WIT names types.
fn kind(v: &WastVal<'_>) -> &'static str {
    match v {
        WastVal::Bool(_) => "bool",
        WastVal::U8(_) => "u8",
        WastVal::S8(_) => "s8",
        WastVal::U16(_) => "u16",
        WastVal::S16(_) => "s16",
        WastVal::U32(_) => "u32",
        WastVal::S32(_) => "s32",
        WastVal::U64(_) => "u64",
        WastVal::S64(_) => "s64",
        WastVal::F32(_) => "f32",
        WastVal::F64(_) => "f64",
        WastVal::Char(_) => "char",
        WastVal::String(_) => "string",
        WastVal::List(_) => "list",
        WastVal::Map(_) => "map",
        WastVal::Record(_) => "record",
        WastVal::Tuple(_) => "tuple",
        WastVal::Variant(..) => "variant",
        WastVal::Enum(_) => "enum",
        WastVal::Option(_) => "option",
        WastVal::Result(_) => "result",
        WastVal::Flags(_) => "flags",
    }
}

/// Checks a component function's results against the script's expectation, exactly.
pub(crate) fn check_results(expected: &[WastRet<'_>], got: &[Val]) -> Result<(), String> {
    if expected.len() != got.len() {
        return Err(format!("expected {} results, got {}", expected.len(), got.len()));
    }
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        if !ret_matches(e, g) {
            let kind = match e {
                WastRet::Component(v) => kind(v),
                WastRet::Core(WastRetCore::F32(_)) => "f32",
                WastRet::Core(WastRetCore::F64(_)) => "f64",
                _ => "core value",
            };
            return Err(format!(
                "result {i}: expected {} ({kind}), got {} ({})",
                show_expected(e),
                show(g),
                g.kind()
            ));
        }
    }
    Ok(())
}

/// A value as WAVE text when it can be printed so, else its debug form.
pub(crate) fn show(v: &Val) -> String {
    match v {
        Val::Float32(f) => show_f32(*f),
        Val::Float64(f) => show_f64(*f),
        v => tessera_component::wave::print_value(v).unwrap_or_else(|_| format!("{v:?}")),
    }
}

/// An expected result in the notation [`show`] prints values in.
fn show_expected(e: &WastRet<'_>) -> String {
    let nan = |p: &str| format!("nan:{p}");
    match e {
        WastRet::Component(v) => show_wast(v),
        WastRet::Core(WastRetCore::F32(p)) => match p {
            NanPattern::Value(f) => show_f32(f32::from_bits(f.bits)),
            NanPattern::CanonicalNan => nan("canonical"),
            NanPattern::ArithmeticNan => nan("arithmetic"),
        },
        WastRet::Core(WastRetCore::F64(p)) => match p {
            NanPattern::Value(f) => show_f64(f64::from_bits(f.bits)),
            NanPattern::CanonicalNan => nan("canonical"),
            NanPattern::ArithmeticNan => nan("arithmetic"),
        },
        WastRet::Core(c) => format!("core {c:?}"),
        other => format!("{other:?}"),
    }
}

fn show_f32(f: f32) -> String {
    if f.is_nan() {
        format!("nan (bits {:#010x})", f.to_bits())
    } else {
        format!("{f:?}")
    }
}

fn show_f64(f: f64) -> String {
    if f.is_nan() {
        format!("nan (bits {:#018x})", f.to_bits())
    } else {
        format!("{f:?}")
    }
}

/// A script value in WAVE notation.
fn show_wast(v: &WastVal<'_>) -> String {
    let list = |vs: &[WastVal<'_>]| vs.iter().map(show_wast).collect::<Vec<_>>().join(", ");
    let payload = |name: &str, p: &Option<Box<WastVal<'_>>>| match p {
        Some(p) => format!("{name}({})", show_wast(p)),
        None => name.to_string(),
    };
    match v {
        WastVal::Bool(b) => b.to_string(),
        WastVal::U8(x) => x.to_string(),
        WastVal::S8(x) => x.to_string(),
        WastVal::U16(x) => x.to_string(),
        WastVal::S16(x) => x.to_string(),
        WastVal::U32(x) => x.to_string(),
        WastVal::S32(x) => x.to_string(),
        WastVal::U64(x) => x.to_string(),
        WastVal::S64(x) => x.to_string(),
        WastVal::F32(f) => show_f32(f32::from_bits(f.bits)),
        WastVal::F64(f) => show_f64(f64::from_bits(f.bits)),
        WastVal::Char(c) => format!("{c:?}"),
        WastVal::String(s) => format!("{s:?}"),
        WastVal::List(vs) => format!("[{}]", list(vs)),
        WastVal::Map(entries) => {
            let es: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}: {}", show_wast(k), show_wast(v))).collect();
            format!("map {{{}}}", es.join(", "))
        }
        WastVal::Record(fs) => {
            let fs: Vec<String> = fs.iter().map(|(n, v)| format!("{n}: {}", show_wast(v))).collect();
            format!("{{{}}}", fs.join(", "))
        }
        WastVal::Tuple(vs) => format!("({})", list(vs)),
        WastVal::Variant(name, p) => payload(name, p),
        WastVal::Enum(name) => (*name).to_string(),
        WastVal::Option(None) => "none".into(),
        WastVal::Option(Some(p)) => format!("some({})", show_wast(p)),
        WastVal::Result(Ok(p)) => payload("ok", p),
        WastVal::Result(Err(p)) => payload("err", p),
        WastVal::Flags(fs) => format!("{{{}}}", fs.join(", ")),
    }
}

fn ret_matches(e: &WastRet<'_>, g: &Val) -> bool {
    match e {
        WastRet::Component(e) => val_matches(e, g),
        WastRet::Core(c) => core_ret_matches(c, g),
        _ => false,
    }
}

/// Top-level floats are core results in the script's grammar, with NaN patterns.
fn core_ret_matches(e: &WastRetCore<'_>, g: &Val) -> bool {
    match (e, g) {
        (WastRetCore::F32(p), Val::Float32(f)) => f32_matches(p, f.to_bits()),
        (WastRetCore::F64(p), Val::Float64(f)) => f64_matches(p, f.to_bits()),
        (WastRetCore::Either(alts), g) => alts.iter().any(|a| core_ret_matches(a, g)),
        _ => false,
    }
}

fn val_matches(e: &WastVal<'_>, g: &Val) -> bool {
    let payload_matches = |e: &Option<Box<WastVal<'_>>>, g: &Option<Box<Val>>| match (e, g) {
        (None, None) => true,
        (Some(e), Some(g)) => val_matches(e, g),
        _ => false,
    };
    match (e, g) {
        (WastVal::Bool(a), Val::Bool(b)) => a == b,
        (WastVal::U8(a), Val::U8(b)) => a == b,
        (WastVal::S8(a), Val::S8(b)) => a == b,
        (WastVal::U16(a), Val::U16(b)) => a == b,
        (WastVal::S16(a), Val::S16(b)) => a == b,
        (WastVal::U32(a), Val::U32(b)) => a == b,
        (WastVal::S32(a), Val::S32(b)) => a == b,
        (WastVal::U64(a), Val::U64(b)) => a == b,
        (WastVal::S64(a), Val::S64(b)) => a == b,
        (WastVal::F32(a), Val::Float32(b)) => a.bits == b.to_bits(),
        (WastVal::F64(a), Val::Float64(b)) => a.bits == b.to_bits(),
        (WastVal::Char(a), Val::Char(b)) => a == b,
        (WastVal::String(a), Val::String(b)) => *a == b.as_str(),
        (WastVal::List(a), Val::List(b)) | (WastVal::Tuple(a), Val::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(e, g)| val_matches(e, g))
        }
        (WastVal::Map(a), Val::Map(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|((ek, ev), (gk, gv))| val_matches(ek, gk) && val_matches(ev, gv))
        }
        (WastVal::Record(a), Val::Record(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|((en, ev), (gn, gv))| *en == gn.as_str() && val_matches(ev, gv))
        }
        (WastVal::Variant(en, ep), Val::Variant(gn, gp)) => *en == gn.as_str() && payload_matches(ep, gp),
        (WastVal::Enum(a), Val::Enum(b)) => *a == b.as_str(),
        (WastVal::Option(ep), Val::Option(gp)) => payload_matches(ep, gp),
        (WastVal::Result(Ok(ep)), Val::Result(Ok(gp))) | (WastVal::Result(Err(ep)), Val::Result(Err(gp))) => {
            payload_matches(ep, gp)
        }
        (WastVal::Flags(a), Val::Flags(b)) => {
            let mut a: Vec<&str> = a.to_vec();
            let mut b: Vec<&str> = b.iter().map(String::as_str).collect();
            a.sort_unstable();
            b.sort_unstable();
            a == b
        }
        _ => false,
    }
}
