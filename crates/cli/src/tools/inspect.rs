//! `tessera inspect FILE`: a module's or component's imports and exports with their types,
//! and a summary of the capabilities it asks for (what a host would have to grant).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::Args;
use tessera_engine::{Engine, ExternType, Module};
use wit_parser::decoding::{decode, DecodedWasm};
use wit_parser::{Function, Handle, Resolve, Type, TypeDefKind, WorldItem};

use super::read;

#[derive(Args)]
pub struct InspectArgs {
    /// A module or component, binary or text.
    file: PathBuf,
}

pub fn run(args: InspectArgs) -> Result<ExitCode> {
    print!("{}", inspect(&args.file)?);
    Ok(ExitCode::SUCCESS)
}

/// The capability classes, in the order they are listed.
const CAPABILITIES: [&str; 7] =
    ["file system", "network", "clocks", "random", "environment", "stdio", "exit"];

/// Which capability a WASI 0.2 interface (without its version) grants.
fn capability_of_interface(name: &str) -> Option<&'static str> {
    let base = name.split('@').next().unwrap_or(name);
    Some(match base {
        _ if base.starts_with("wasi:filesystem/") => "file system",
        _ if base.starts_with("wasi:sockets/") => "network",
        _ if base.starts_with("wasi:clocks/") => "clocks",
        _ if base.starts_with("wasi:random/") => "random",
        "wasi:cli/environment" => "environment",
        "wasi:cli/exit" => "exit",
        _ if base.starts_with("wasi:cli/std") || base.starts_with("wasi:cli/terminal-") => "stdio",
        _ => return None,
    })
}

/// Which capability a preview 1 function grants.
fn capability_of_preview1(name: &str) -> Option<&'static str> {
    Some(match name {
        "fd_read" | "fd_write" => "stdio",
        _ if name.starts_with("path_") || name.starts_with("fd_") => "file system",
        _ if name.starts_with("sock_") => "network",
        _ if name.starts_with("clock_") || name == "poll_oneoff" => "clocks",
        "random_get" => "random",
        _ if name.starts_with("environ_") || name.starts_with("args_") => "environment",
        "proc_exit" | "proc_raise" => "exit",
        _ => return None,
    })
}

pub fn inspect(file: &Path) -> Result<String> {
    let bytes = read(file)?;
    let component = bytes.starts_with(b"\0asm") && tessera_component::is_component(&bytes)
        || std::str::from_utf8(&bytes).is_ok_and(|t| t.trim_start().starts_with("(component"));
    if component {
        let bytes = if bytes.starts_with(b"\0asm") {
            bytes
        } else {
            let text = std::str::from_utf8(&bytes).expect("checked above");
            tessera_component::component::parse_text(text).map_err(|e| anyhow!("{}: {e}", file.display()))?
        };
        inspect_component(file, &bytes)
    } else {
        inspect_module(file, &bytes)
    }
}

fn summary(out: &mut String, caps: &BTreeMap<&'static str, Vec<String>>) {
    out.push_str("capabilities:\n");
    for cap in CAPABILITIES {
        match caps.get(cap) {
            Some(by) => writeln!(out, "  {cap}: yes ({})", by.join(", ")).unwrap(),
            None => writeln!(out, "  {cap}: no").unwrap(),
        }
    }
}

fn inspect_module(file: &Path, bytes: &[u8]) -> Result<String> {
    let module = Module::new(&Engine::default(), bytes).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let mut out = format!("core module {}\nimports:\n", file.display());
    let mut caps: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let ty = |t: &ExternType| match t {
        ExternType::Func(f) => format!("func {f}"),
        ExternType::Memory(m) => format!("memory {m:?}"),
        ExternType::Table(t) => format!("table {t:?}"),
        ExternType::Global(g) => format!("global {g:?}"),
    };
    for imp in module.imports() {
        writeln!(out, "  {}::{}: {}", imp.module, imp.name, ty(&imp.ty)).unwrap();
        if imp.module.starts_with("wasi_") {
            if let Some(cap) = capability_of_preview1(&imp.name) {
                caps.entry(cap).or_default().push(imp.name.clone());
            }
        }
    }
    out.push_str("exports:\n");
    for exp in module.exports() {
        writeln!(out, "  {}: {}", exp.name, ty(&exp.ty)).unwrap();
    }
    summary(&mut out, &caps);
    Ok(out)
}

fn inspect_component(file: &Path, bytes: &[u8]) -> Result<String> {
    let decoded = decode(bytes).map_err(|e| anyhow!("{}: {e:#}", file.display()))?;
    let DecodedWasm::Component(resolve, world) = decoded else {
        return Err(anyhow!("{}: a WIT package, not a component (see `tessera wit`)", file.display()));
    };
    let world = &resolve.worlds[world];
    let mut out = format!("component {}\n", file.display());
    let mut caps: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (title, items) in [("imports", &world.imports), ("exports", &world.exports)] {
        writeln!(out, "{title}:").unwrap();
        for (key, item) in items {
            let name = resolve.name_world_key(key);
            match item {
                WorldItem::Interface { id, .. } => {
                    writeln!(out, "  instance {name}").unwrap();
                    let iface = &resolve.interfaces[*id];
                    for f in iface.functions.values() {
                        writeln!(out, "    {}", signature(&resolve, f)).unwrap();
                    }
                    if title == "imports" {
                        if let Some(cap) = capability_of_interface(&name) {
                            caps.entry(cap).or_default().push(name.clone());
                        }
                    }
                }
                WorldItem::Function(f) => writeln!(out, "  {}", signature(&resolve, f)).unwrap(),
                WorldItem::Type { id, .. } => {
                    writeln!(out, "  type {}", type_name(&resolve, &Type::Id(*id))).unwrap()
                }
            }
        }
    }
    summary(&mut out, &caps);
    Ok(out)
}

fn signature(resolve: &Resolve, f: &Function) -> String {
    let params: Vec<String> =
        f.params.iter().map(|p| format!("{}: {}", p.name, type_name(resolve, &p.ty))).collect();
    let mut s = format!("{}: func({})", f.name, params.join(", "));
    if let Some(r) = &f.result {
        write!(s, " -> {}", type_name(resolve, r)).unwrap();
    }
    s
}

fn type_name(resolve: &Resolve, ty: &Type) -> String {
    let id = match ty {
        Type::Bool => return "bool".into(),
        Type::U8 => return "u8".into(),
        Type::U16 => return "u16".into(),
        Type::U32 => return "u32".into(),
        Type::U64 => return "u64".into(),
        Type::S8 => return "s8".into(),
        Type::S16 => return "s16".into(),
        Type::S32 => return "s32".into(),
        Type::S64 => return "s64".into(),
        Type::F32 => return "f32".into(),
        Type::F64 => return "f64".into(),
        Type::Char => return "char".into(),
        Type::String => return "string".into(),
        Type::ErrorContext => return "error-context".into(),
        Type::Id(id) => *id,
    };
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    let t = |ty: &Type| type_name(resolve, ty);
    let opt = |ty: &Option<Type>| ty.as_ref().map_or("_".to_string(), t);
    match &def.kind {
        TypeDefKind::List(e) => format!("list<{}>", t(e)),
        TypeDefKind::FixedLengthList(e, n) => format!("list<{}, {n}>", t(e)),
        TypeDefKind::Map(k, v) => format!("map<{}, {}>", t(k), t(v)),
        TypeDefKind::Option(e) => format!("option<{}>", t(e)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (ok, None) => format!("result<{}>", opt(ok)),
            (ok, err) => format!("result<{}, {}>", opt(ok), opt(err)),
        },
        TypeDefKind::Tuple(tu) => format!("tuple<{}>", tu.types.iter().map(t).collect::<Vec<_>>().join(", ")),
        TypeDefKind::Handle(Handle::Own(r)) => type_name(resolve, &Type::Id(*r)),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", type_name(resolve, &Type::Id(*r))),
        TypeDefKind::Future(e) => format!("future<{}>", opt(e)),
        TypeDefKind::Stream(e) => format!("stream<{}>", opt(e)),
        TypeDefKind::Type(inner) => t(inner),
        other => other.as_str().into(),
    }
}
