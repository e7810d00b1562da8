// The fuzzing driver, shared by the `execute` fuzz target and the engine's stable-toolchain
// robustness test (which `include!`s this file): generate a module with `wasm-smith` limited
// to the proposals Tessera implements, then validate, translate everything, instantiate with
// dummy imports and call every export under fuel. Any panic is a bug.

use tessera_engine::{
    Config, Engine, ExternType, Func, Global, Instance, Memory, Module, Store, StoreLimits, Table,
};

/// Fuel per exported call: enough to run real code, small enough to end every loop quickly.
const FUEL: u64 = 50_000;

/// The `wasm-smith` configuration matching Tessera's proposals.
pub fn smith_config(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<wasm_smith::Config> {
    let mut config: wasm_smith::Config = u.arbitrary()?;
    config.simd_enabled = true;
    config.relaxed_simd_enabled = false;
    config.tail_call_enabled = true;
    config.extended_const_enabled = true;
    config.bulk_memory_enabled = true;
    config.reference_types_enabled = true;
    config.multi_value_enabled = true;
    config.saturating_float_to_int_enabled = true;
    config.sign_extension_ops_enabled = true;
    config.max_memories = config.max_memories.min(4);
    config.memory64_enabled = false;
    config.gc_enabled = false;
    config.exceptions_enabled = false;
    config.threads_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.custom_descriptors_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.compact_imports_enabled = false;
    config.acquire_release_atomics_enabled = false;
    config.multibyte_array_access_enabled = false;
    config.max_type_size = 1000;
    Ok(config)
}

/// Builds a module from fuzz input.
pub fn generate(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = arbitrary::Unstructured::new(data);
    let config = smith_config(&mut u).ok()?;
    let module = wasm_smith::Module::new(config, &mut u).ok()?;
    Some(module.to_bytes())
}

/// Loads, instantiates and runs `bytes`.
///
/// # Errors
/// If `Module::new` rejects the bytes (anything later may fail quietly).
pub fn exercise(bytes: &[u8]) -> Result<(), tessera_engine::Error> {
    let mut config = Config::new();
    config.consume_fuel(true).lazy_translation(false).max_call_depth(1000);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, bytes)?;
    let mut store = Store::new(&engine, ());
    store.limiter(StoreLimits { max_memory_bytes: Some(64 << 20), max_table_elements: Some(100_000) });
    let mut imports = Vec::new();
    for import in module.imports() {
        let ext = match &import.ty {
            ExternType::Func(ty) => Func::new(&mut store, ty.clone(), |_, _, _| Ok(())).into(),
            ExternType::Memory(ty) => match Memory::new(&mut store, *ty) {
                Ok(m) => m.into(),
                Err(_) => return Ok(()),
            },
            ExternType::Table(ty) => match Table::new(&mut store, *ty, ty.element.default_val()) {
                Ok(t) => t.into(),
                Err(_) => return Ok(()),
            },
            ExternType::Global(ty) => {
                Global::new(&mut store, *ty, ty.content.default_val()).expect("default matches").into()
            }
        };
        imports.push(ext);
    }
    store.set_fuel(FUEL).expect("fuel enabled");
    let Ok(instance) = Instance::new(&mut store, &module, &imports) else { return Ok(()) };
    for (_, ext) in instance.exports(&store) {
        let Some(func) = ext.into_func() else { continue };
        let ty = func.ty(&store);
        let params: Vec<_> = ty.params().iter().map(|t| t.default_val()).collect();
        let mut results: Vec<_> = ty.results().iter().map(|t| t.default_val()).collect();
        store.set_fuel(FUEL).expect("fuel enabled");
        let _ = func.call(&mut store, &params, &mut results);
    }
    Ok(())
}
