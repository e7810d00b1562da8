//! The component rows: instantiating a small component, and one call through the Canonical
//! ABI with a string and a list of records in and a string out, on Tessera and wasmtime
//! (wasmi has no component layer). Both sides use their dynamic `Val` APIs.

use std::time::{Duration, Instant};

use crate::runtimes::Res;

/// Instantiations per sample.
pub const INSTANTIATIONS: u32 = 2000;
/// ABI calls per sample.
pub const CALLS: u32 = 2000;
/// Records in the list argument.
pub const ITEMS: usize = 16;

/// The string argument (64 bytes); the guest returns it with its first byte replaced by
/// '0' + the list's length.
pub fn input() -> String {
    "x".repeat(64)
}

pub fn expected() -> String {
    let mut s = input();
    s.replace_range(0..1, &char::from(b'0' + ITEMS as u8).to_string());
    s
}

fn name(i: usize) -> String {
    format!("item-{i:03}")
}

pub fn tessera_instantiate(bytes: &[u8]) -> Res<(Duration, i32)> {
    use tessera_component::{Component, Linker, Val};
    let engine = tessera_engine::Engine::default();
    let component = Component::new(&engine, bytes).map_err(|e| e.to_string())?;
    let linker = Linker::<()>::new();
    let mut last = 0;
    let start = Instant::now();
    for _ in 0..INSTANTIATIONS {
        let mut store = tessera_engine::Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component).map_err(|e| e.to_string())?;
        let run = instance.get_func("run").ok_or("no `run`")?;
        let mut out = [Val::S32(0)];
        run.call(&mut store, &[Val::S32(7)], &mut out).map_err(|e| e.to_string())?;
        if let Val::S32(v) = out[0] {
            last = v;
        }
    }
    Ok((start.elapsed(), last))
}

pub fn wasmtime_instantiate(bytes: &[u8]) -> Res<(Duration, i32)> {
    use wasmtime::component::{Component, Linker, Val};
    let engine = wasmtime::Engine::default();
    let component = Component::new(&engine, bytes).map_err(|e| e.to_string())?;
    let linker = Linker::<()>::new(&engine);
    let mut last = 0;
    let start = Instant::now();
    for _ in 0..INSTANTIATIONS {
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component).map_err(|e| e.to_string())?;
        let run = instance.get_func(&mut store, "run").ok_or("no `run`")?;
        let mut out = [Val::S32(0)];
        run.call(&mut store, &[Val::S32(7)], &mut out).map_err(|e| e.to_string())?;
        if let Val::S32(v) = out[0] {
            last = v;
        }
    }
    Ok((start.elapsed(), last))
}

pub fn tessera_abi(bytes: &[u8]) -> Res<(Duration, String)> {
    use tessera_component::{Component, Linker, Val};
    let engine = tessera_engine::Engine::default();
    let component = Component::new(&engine, bytes).map_err(|e| e.to_string())?;
    let mut store = tessera_engine::Store::new(&engine, ());
    let instance = Linker::<()>::new().instantiate(&mut store, &component).map_err(|e| e.to_string())?;
    let abi = instance.get_func("abi").ok_or("no `abi`")?;
    let items: Vec<Val> = (0..ITEMS)
        .map(|i| {
            Val::Record(vec![
                ("id".into(), Val::U32(i as u32)),
                ("name".into(), Val::String(name(i))),
                ("score".into(), Val::Float64(i as f64 / 2.0)),
            ])
        })
        .collect();
    let args = [Val::String(input()), Val::List(items)];
    let mut out = [Val::Bool(false)];
    let start = Instant::now();
    for _ in 0..CALLS {
        abi.call(&mut store, &args, &mut out).map_err(|e| e.to_string())?;
    }
    let elapsed = start.elapsed();
    match &out[0] {
        Val::String(s) => Ok((elapsed, s.clone())),
        other => Err(format!("`abi` returned {other:?}")),
    }
}

pub fn wasmtime_abi(bytes: &[u8]) -> Res<(Duration, String)> {
    use wasmtime::component::{Component, Linker, Val};
    let engine = wasmtime::Engine::default();
    let component = Component::new(&engine, bytes).map_err(|e| e.to_string())?;
    let mut store = wasmtime::Store::new(&engine, ());
    let instance =
        Linker::<()>::new(&engine).instantiate(&mut store, &component).map_err(|e| e.to_string())?;
    let abi = instance.get_func(&mut store, "abi").ok_or("no `abi`")?;
    let items: Vec<Val> = (0..ITEMS)
        .map(|i| {
            Val::Record(vec![
                ("id".into(), Val::U32(i as u32)),
                ("name".into(), Val::String(name(i))),
                ("score".into(), Val::Float64(i as f64 / 2.0)),
            ])
        })
        .collect();
    let args = [Val::String(input()), Val::List(items)];
    let mut out = [Val::Bool(false)];
    let start = Instant::now();
    for _ in 0..CALLS {
        abi.call(&mut store, &args, &mut out).map_err(|e| e.to_string())?;
    }
    let elapsed = start.elapsed();
    match &out[0] {
        Val::String(s) => Ok((elapsed, s.clone())),
        other => Err(format!("`abi` returned {other:?}")),
    }
}
