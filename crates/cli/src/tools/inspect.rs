//! `tessera inspect FILE`: a module's or component's imports and exports with their types,
//! and a summary of the capabilities it asks for — what a host would have to grant before
//! running it, read off the imports without running anything.
//!
//! The output is line-oriented and stable (tests and scripts read it). A core module:
//!
//! ```text
//! core module FILE
//! imports:
//!   wasi_snapshot_preview1::fd_write: func (param i32 i32 i32 i32) (result i32)
//! exports:
//!   memory: memory 1
//!   _start: func
//! capabilities:
//!   file system: no
//!   network: no
//!   clocks: no
//!   random: no
//!   environment: no
//!   stdio: yes (fd_write)
//!   exit: no
//! ```
//!
//! Core types are written as in the text format: `func (param T...) (result T...)`,
//! `memory [i64] MIN [MAX] [shared]`, `table [i64] MIN [MAX] REFTYPE`, `global T`,
//! `global (mut T)`, `tag (param T...)`. A component:
//!
//! ```text
//! component FILE
//! imports:
//!   instance wasi:cli/stdout@0.2.6
//!     use wasi:io/streams@0.2.6.{output-stream}
//!     get-stdout: func() -> output-stream
//!   log: func(msg: string)
//! exports:
//!   instance example:calculator/calculator@0.1.0
//!     add: func(a: u32, b: u32) -> u32
//! capabilities:
//!   ... (the same seven lines)
//! ```
//!
//! Component types are written as in WIT; an interface's types come before its functions,
//! each declared as WIT would without its body: `record NAME` (or `variant`, `enum`, `flags`,
//! `resource`), `type NAME = TYPE`, `use IFACE.{NAME}`. An empty list is `  (none)`. The
//! capability lines always come in the order of [`CAPABILITIES`], `yes` listing the imports
//! that ask for it. README "Tools" documents the same format for users.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::Args;
use wasmparser::types::{EntityType, TypesRef};
use wasmparser::{Validator, WasmFeatures};
use wit_component::{decode, DecodedWasm};
use wit_parser::{Function, Handle, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldItem};

use super::{one_line, read, to_binary};

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
pub const CAPABILITIES: [&str; 7] =
    ["file system", "network", "clocks", "random", "environment", "stdio", "exit"];

/// Which capability a WASI 0.2 interface import (`wasi:pkg/iface@version`) asks for.
/// `wasi:io` is not one: streams and pollables come from the other interfaces.
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

/// Which capability a preview 1 function asks for. `fd_read`/`fd_write` count as stdio:
/// every program that prints imports them, and a file to read or write would first need
/// `path_open` (or a preopened directory's `fd_prestat_*`), which counts as the file system.
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

/// The report for `file` (a module or a component, binary or text).
pub fn inspect(file: &Path) -> Result<String> {
    let bytes = to_binary(file, read(file)?)?;
    if wasmparser::Parser::is_component(&bytes) {
        inspect_component(file, &bytes)
    } else {
        inspect_module(file, &bytes)
    }
}

type Capabilities = BTreeMap<&'static str, Vec<String>>;

fn summary(out: &mut String, caps: &Capabilities) {
    out.push_str("capabilities:\n");
    for cap in CAPABILITIES {
        match caps.get(cap) {
            Some(by) => writeln!(out, "  {cap}: yes ({})", by.join(", ")).unwrap(),
            None => writeln!(out, "  {cap}: no").unwrap(),
        }
    }
}

fn inspect_module(file: &Path, bytes: &[u8]) -> Result<String> {
    let types = Validator::new_with_features(WasmFeatures::all())
        .validate_all(bytes)
        .map_err(|e| anyhow!("{}: {}", file.display(), one_line(&e.into())))?;
    let types = types.as_ref();
    let mut out = format!("core module {}\nimports:\n", file.display());
    let mut caps = Capabilities::new();
    let mut any = false;
    for (module, name, ty) in types.core_imports().into_iter().flatten() {
        any = true;
        writeln!(out, "  {module}::{name}: {}", core_type(&types, ty)).unwrap();
        if module.starts_with("wasi_") {
            if let Some(cap) = capability_of_preview1(name) {
                caps.entry(cap).or_default().push(name.to_string());
            }
        }
    }
    if !any {
        out.push_str("  (none)\n");
    }
    out.push_str("exports:\n");
    let mut any = false;
    for (name, ty) in types.core_exports().into_iter().flatten() {
        any = true;
        writeln!(out, "  {name}: {}", core_type(&types, ty)).unwrap();
    }
    if !any {
        out.push_str("  (none)\n");
    }
    summary(&mut out, &caps);
    Ok(out)
}

/// A core entity type as the text format writes it (without the outer parentheses).
fn core_type(types: &TypesRef<'_>, ty: EntityType) -> String {
    let limits = |min: u64, max: Option<u64>| match max {
        Some(max) => format!("{min} {max}"),
        None => min.to_string(),
    };
    let func = |keyword: &str, id: wasmparser::types::CoreTypeId| {
        let mut s = keyword.to_string();
        if let wasmparser::CompositeInnerType::Func(f) = &types[id].composite_type.inner {
            for (word, list) in [("param", f.params()), ("result", f.results())] {
                if !list.is_empty() {
                    let list: Vec<String> = list.iter().map(|t| t.to_string()).collect();
                    write!(s, " ({word} {})", list.join(" ")).unwrap();
                }
            }
        }
        s
    };
    match ty {
        EntityType::Func(id) | EntityType::FuncExact(id) => func("func", id),
        EntityType::Tag(id) => func("tag", id),
        EntityType::Memory(m) => format!(
            "memory{} {}{}",
            if m.memory64 { " i64" } else { "" },
            limits(m.initial, m.maximum),
            if m.shared { " shared" } else { "" }
        ),
        EntityType::Table(t) => format!(
            "table{} {} {}",
            if t.table64 { " i64" } else { "" },
            limits(t.initial, t.maximum),
            t.element_type
        ),
        EntityType::Global(g) if g.mutable => format!("global (mut {})", g.content_type),
        EntityType::Global(g) => format!("global {}", g.content_type),
    }
}

fn inspect_component(file: &Path, bytes: &[u8]) -> Result<String> {
    // The world is what a host sees: the component's imports and exports as WIT. Decoding
    // validates the binary too.
    let decoded = decode(bytes).map_err(|e| anyhow!("{}: {}", file.display(), one_line(&e)))?;
    let DecodedWasm::Component(resolve, world) = decoded else {
        return Err(anyhow!("{}: a WIT package, not a component (see `tessera wit`)", file.display()));
    };
    let world = &resolve.worlds[world];
    let mut out = format!("component {}\n", file.display());
    let mut caps = Capabilities::new();
    for (title, items) in [("imports", &world.imports), ("exports", &world.exports)] {
        writeln!(out, "{title}:").unwrap();
        if items.is_empty() {
            out.push_str("  (none)\n");
        }
        for (key, item) in items {
            let name = resolve.name_world_key(key);
            match item {
                WorldItem::Interface { id, .. } => {
                    writeln!(out, "  instance {name}").unwrap();
                    let iface = &resolve.interfaces[*id];
                    for (type_name, ty) in &iface.types {
                        writeln!(out, "    {}", declaration(&resolve, type_name, *ty)).unwrap();
                    }
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
                    writeln!(out, "  {}", declaration(&resolve, &name, *id)).unwrap()
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

/// A named type declared as WIT would, without its body: `record NAME`, `resource NAME`,
/// `type NAME = list<u8>`, `use IFACE.{NAME}` for a type taken from another interface.
fn declaration(resolve: &Resolve, name: &str, id: TypeId) -> String {
    let def = &resolve.types[id];
    match &def.kind {
        TypeDefKind::Type(Type::Id(target)) if resolve.types[*target].owner != def.owner => {
            let target_def = &resolve.types[*target];
            let from = match target_def.owner {
                TypeOwner::Interface(i) => resolve.id_of(i).unwrap_or_else(|| "?".into()),
                TypeOwner::World(w) => resolve.worlds[w].name.clone(),
                TypeOwner::None => "?".into(),
            };
            match target_def.name.as_deref() {
                Some(original) if original != name => format!("use {from}.{{{original} as {name}}}"),
                _ => format!("use {from}.{{{name}}}"),
            }
        }
        TypeDefKind::Record(_)
        | TypeDefKind::Resource
        | TypeDefKind::Flags(_)
        | TypeDefKind::Variant(_)
        | TypeDefKind::Enum(_) => format!("{} {name}", def.kind.as_str()),
        kind => format!("type {name} = {}", structure(resolve, kind)),
    }
}

/// A type as WIT writes it where it is used: its name if it has one.
fn type_name(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => {
            let def = &resolve.types[*id];
            match &def.name {
                Some(name) => name.clone(),
                None => structure(resolve, &def.kind),
            }
        }
    }
}

/// An anonymous type spelled out: `list<u8>`, `result<T, E>`, `borrow<R>`, ...
fn structure(resolve: &Resolve, kind: &TypeDefKind) -> String {
    let t = |ty: &Type| type_name(resolve, ty);
    let opt = |ty: &Option<Type>| ty.as_ref().map_or("_".to_string(), t);
    match kind {
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
        TypeDefKind::Handle(Handle::Own(r)) => t(&Type::Id(*r)),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", t(&Type::Id(*r))),
        TypeDefKind::Future(e) => format!("future<{}>", opt(e)),
        TypeDefKind::Stream(e) => format!("stream<{}>", opt(e)),
        TypeDefKind::Type(inner) => t(inner),
        other => other.as_str().into(),
    }
}
