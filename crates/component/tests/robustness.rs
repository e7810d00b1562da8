//! Bad input never panics the host: thousands of deterministic mutations of valid components
//! (the test guests, componentized, and the WAT ones) are loaded, instantiated with the
//! imports the guests expect, and every export is called with default values under fuel.
//! Each must end in a value or an error; a panic fails the test.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use tessera_component::{Component, Linker, Type, Val};
use tessera_engine::{Config, Engine, Store};

/// Cases per seed component; `TESSERA_COMPONENT_MUTATIONS` overrides.
const MUTATIONS: usize = 600;

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = Vec::new();
    for name in ["types", "resources"] {
        let path = dir.join("guests/target/wasm32-unknown-unknown/release").join(format!("{name}.wasm"));
        let core = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/build-fixtures.sh)", path.display()));
        let bytes = wit_component::ComponentEncoder::default().module(&core).unwrap().encode().unwrap();
        out.push((name.to_string(), bytes));
    }
    for name in ["utf16", "latin1-utf16"] {
        let text = std::fs::read_to_string(dir.join("wat").join(format!("{name}.wat"))).unwrap();
        out.push((name.to_string(), tessera_component::component::parse_text(&text).unwrap()));
    }
    out
}

/// A value of type `ty` (the first case of variants, empty lists).
fn default_val(ty: &Type) -> Option<Val> {
    Some(match ty {
        Type::Bool => Val::Bool(false),
        Type::S8 => Val::S8(0),
        Type::U8 => Val::U8(0),
        Type::S16 => Val::S16(0),
        Type::U16 => Val::U16(0),
        Type::S32 => Val::S32(0),
        Type::U32 => Val::U32(0),
        Type::S64 => Val::S64(0),
        Type::U64 => Val::U64(0),
        Type::F32 => Val::Float32(0.0),
        Type::F64 => Val::Float64(0.0),
        Type::Char => Val::Char('a'),
        Type::String => Val::String("ab".into()),
        Type::List(_) => Val::List(Vec::new()),
        Type::FixedList(t, n) => Val::List((0..*n).map(|_| default_val(t)).collect::<Option<_>>()?),
        Type::Map(_) => Val::Map(Vec::new()),
        Type::Record(fs) => Val::Record(
            fs.iter().map(|f| Some((f.name.clone(), default_val(&f.ty)?))).collect::<Option<_>>()?,
        ),
        Type::Tuple(ts) => Val::Tuple(ts.iter().map(default_val).collect::<Option<_>>()?),
        Type::Variant(cs) => {
            let c = &cs[0];
            Val::Variant(c.name.clone(), payload(c.ty.as_ref())?)
        }
        Type::Enum(cs) => Val::Enum(cs[0].clone()),
        Type::Option(_) => Val::Option(None),
        Type::Result(r) => Val::Result(Ok(payload(r.ok.as_ref())?)),
        Type::Flags(_) => Val::Flags(Vec::new()),
        Type::Own(_) | Type::Borrow(_) => return None,
        // A type added later (the enum is non-exhaustive): no default here yet.
        _ => return None,
    })
}

/// A default payload for a case of type `ty` (`Some(None)`: no payload; `None`: no value).
fn payload(ty: Option<&Type>) -> Option<Option<Box<Val>>> {
    match ty {
        None => Some(None),
        Some(t) => Some(Some(Box::new(default_val(t)?))),
    }
}

struct Logger;

fn linker() -> Linker<()> {
    let mut linker = Linker::new();
    let mut host = linker.instance("tessera:test/host").unwrap();
    host.func_new("log", |_, _, _| Ok(())).unwrap();
    host.func_wrap("add", |_, (a, b): (u32, u32)| Ok((a.wrapping_add(b),))).unwrap();
    host.func_new("echo-list", |_, p, r| {
        r[0] = p[0].clone();
        Ok(())
    })
    .unwrap();
    let mut res = linker.instance("tessera:test/host-res").unwrap();
    res.resource::<Logger>("logger", |_, _| Ok(())).unwrap();
    res.func_wrap("[constructor]logger", |_, (_p,): (String,)| {
        Ok((tessera_component::ResourceAny::new_own(tessera_component::ResourceType::host::<Logger>(), 1),))
    })
    .unwrap();
    res.func_wrap("[method]logger.log", |_, (_l, m): (tessera_component::ResourceAny, String)| Ok((m,)))
        .unwrap();
    linker
}

/// Loads, instantiates and calls everything; any outcome but a panic is fine.
fn exercise(engine: &Engine, linker: &Linker<()>, bytes: &[u8]) {
    let Ok(component) = Component::new(engine, bytes) else { return };
    let mut store = Store::new(engine, ());
    store.set_fuel(200_000).unwrap();
    let Ok(instance) = linker.instantiate(&mut store, &component) else { return };
    for (_, func) in instance.funcs() {
        let Some(ty) = func.ty().cloned() else { continue };
        let Some(args) = ty.params.iter().map(|(_, t)| default_val(t)).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let mut out = vec![Val::Bool(false); ty.results_len()];
        let _ = func.call(&mut store, &args, &mut out);
    }
}

#[test]
fn mutated_components_never_panic() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config);
    let linker = linker();
    let cases: usize =
        std::env::var("TESSERA_COMPONENT_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(MUTATIONS);
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for (name, seed) in seeds() {
        // The seed itself must run cleanly.
        exercise(&engine, &linker, &seed);
        for case in 0..cases {
            let mut bytes = seed.clone();
            for _ in 0..=(next() % 4) {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[at] = next() as u8,
                    1 => bytes[at] ^= 1 << (next() % 8),
                    _ => {
                        let end = (at + 1 + (next() % 16) as usize).min(bytes.len());
                        bytes.drain(at..end);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let r = catch_unwind(AssertUnwindSafe(|| exercise(&engine, &linker, &bytes)));
            if r.is_err() {
                let path = std::env::temp_dir().join(format!("tessera-component-panic-{name}-{case}.wasm"));
                std::fs::write(&path, &bytes).unwrap();
                panic!("mutation {case} of {name} panicked; input saved to {}", path.display());
            }
        }
    }
}
