//! The `spectest` host module every spec script may import.

use tessera_engine::{
    Func, FuncType, Global, GlobalType, Linker, Memory, MemoryType, Store, Table, TableType, Val, ValType,
};

use crate::Host;

/// Defines `spectest`'s functions, globals, table and memory, as the reference interpreter
/// provides them.
pub(crate) fn define(linker: &mut Linker<Host>, store: &mut Store<Host>) {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, Vec<ValType>); 7] = [
        ("print", vec![]),
        ("print_i32", vec![I32]),
        ("print_i64", vec![I64]),
        ("print_f32", vec![F32]),
        ("print_f64", vec![F64]),
        ("print_i32_f32", vec![I32, F32]),
        ("print_f64_f64", vec![F64, F64]),
    ];
    for (name, params) in prints {
        let f = Func::new(store, FuncType::new(params, []), |_, _, _| Ok(()));
        def(linker, name, f);
    }
    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, val) in globals {
        let g = Global::new(store, GlobalType { content: ty, mutable: false }, val).expect("type matches");
        def(linker, name, g);
    }
    let table = Table::new(
        store,
        TableType { element: ValType::FuncRef, min: 10, max: Some(20) },
        Val::FuncRef(None),
    )
    .expect("small table");
    def(linker, "table", table);
    let memory = Memory::new(store, MemoryType { min: 1, max: Some(2), memory64: false, shared: false })
        .expect("small memory");
    def(linker, "memory", memory);
}

fn def(linker: &mut Linker<Host>, name: &str, item: impl Into<tessera_engine::Extern>) {
    linker.define("spectest", name, item).expect("shadowing allowed");
}
