//! `--invoke` semantics against wasmtime's output: every case of `invoke-cases.txt`
//! (recorded from wasmtime 48.0.8 by benches/wave-ref) runs through the same steps as
//! `tessera run --invoke` — parse the WAVE call, find the function, convert the arguments,
//! call, print the result in WAVE (`()` for none) — in a fresh instance, and must print the
//! same line, or fail where wasmtime fails.

use std::path::{Path, PathBuf};

use tessera_component::wave::{print_value, WaveCall};
use tessera_component::{Component, Linker, ResourceAny, ResourceType, Type, Val};
use tessera_engine::{Engine, Store};

/// Calls wasmtime rejects that Tessera accepts on purpose: `iface.func` names (issue #4).
const EXTENSIONS: &[&str] = &["roundtrip.", "tessera:test/roundtrip.", "counters."];

/// Calls wasmtime accepts that Tessera rejects on purpose, with the reason.
const STRICTER: &[(&str, &str)] = &[(
    "echo-pair({left: 1, right: 2, extra: 3})",
    "a record field the type does not have is an error (wasm-wave 0.263 rejects it; wasmtime \
     48's wasm-wave 0.254 drops it silently)",
)];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(engine: &Engine, path: &Path) -> Component {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/build-fixtures.sh)", path.display()));
    let bytes = if path.extension().is_some_and(|e| e == "wasm") {
        wit_component::ComponentEncoder::default().module(&bytes).unwrap().validate(true).encode().unwrap()
    } else {
        bytes
    };
    Component::new(engine, bytes).unwrap()
}

struct Logger;

/// The host imports as benches/wave-ref defines them for wasmtime.
fn linker() -> Linker<Vec<String>> {
    let mut linker = Linker::<Vec<String>>::new();
    let mut host = linker.instance("tessera:test/host").unwrap();
    host.func_wrap("log", |_s, (_msg,): (String,)| Ok(())).unwrap();
    host.func_wrap("add", |_s, (a, b): (u32, u32)| Ok((a.wrapping_add(b),))).unwrap();
    host.func_new("echo-list", |_s, params, results| {
        results[0] = params[0].clone();
        Ok(())
    })
    .unwrap();
    let mut res = linker.instance("tessera:test/host-res").unwrap();
    res.resource::<Logger>("logger", |_s, _rep| Ok(())).unwrap();
    res.func_wrap("[constructor]logger", |s: &mut Store<Vec<String>>, (prefix,): (String,)| {
        s.data_mut().push(prefix);
        Ok((ResourceAny::new_own(ResourceType::host::<Logger>(), s.data().len() as u32 - 1),))
    })
    .unwrap();
    res.func_wrap("[method]logger.log", |s: &mut Store<Vec<String>>, (this, msg): (ResourceAny, String)| {
        Ok((format!("{}: {msg}", s.data()[this.rep() as usize]),))
    })
    .unwrap();
    linker
}

/// What `tessera run --invoke CALL` prints on stdout, or its error.
fn invoke(engine: &Engine, component: &Component, call: &str) -> Result<String, String> {
    let mut store = Store::new(engine, Vec::new());
    let instance = linker().instantiate(&mut store, component).map_err(|e| e.to_string())?;
    let call = WaveCall::parse(call).map_err(|e| e.to_string())?;
    let (_, func) = instance.find_func(&call.name).map_err(|e| e.to_string())?;
    let ty = func.ty().cloned().unwrap();
    let params: Vec<Type> = ty.params.iter().map(|(_, t)| t.clone()).collect();
    let args = call.args(&params).map_err(|e| e.to_string())?;
    let mut out = vec![Val::Bool(false); ty.results_len()];
    func.call(&mut store, &args, &mut out).map_err(|e| e.to_string())?;
    match out.first() {
        Some(v) => print_value(v).map_err(|e| e.to_string()),
        None => Ok("()".into()),
    }
}

#[test]
fn invoke_prints_what_wasmtime_prints() {
    let engine = Engine::default();
    let text = std::fs::read_to_string(root().join("crates/component/tests/invoke-cases.txt")).unwrap();
    let mut component = None;
    let mut call: Option<String> = None;
    let (mut checked, mut failures) = (0, Vec::new());
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if let Some(path) = line.strip_prefix("component: ") {
            component = Some(load(&engine, &root().join(path)));
        } else if let Some(c) = line.strip_prefix("> ") {
            call = Some(c.to_string());
        } else if let Some(want) = line.strip_prefix("= ") {
            let c = call.take().expect("a call precedes its result");
            let got = invoke(&engine, component.as_ref().expect("a component first"), &c);
            let stricter = STRICTER.iter().any(|(s, _)| *s == c);
            if stricter && got.is_ok() {
                failures.push(format!(
                    "line {n}: {c}: listed as rejected on purpose, but Tessera prints {got:?}"
                ));
            } else if got.as_deref() != Ok(want) && !stricter {
                failures.push(format!("line {n}: {c}: wasmtime prints {want:?}, Tessera {got:?}"));
            }
            checked += 1;
        } else if let Some(why) = line.strip_prefix("! ") {
            let c = call.take().expect("a call precedes its result");
            let got = invoke(&engine, component.as_ref().expect("a component first"), &c);
            let extension = EXTENSIONS.iter().any(|p| c.starts_with(p));
            if got.is_ok() && !extension {
                failures.push(format!("line {n}: {c}: wasmtime fails ({why}), Tessera prints {got:?}"));
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} cases found");
    assert!(failures.is_empty(), "{} of {checked} cases differ:\n{}", failures.len(), failures.join("\n"));
}
