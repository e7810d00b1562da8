//! Prints the IR Tessera translates each function of a module into:
//! `cargo run -p tessera-engine --example dump_ir -- FILE.wat`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: dump_ir FILE.wasm|FILE.wat")?;
    let engine = tessera_engine::Engine::default();
    let module = tessera_engine::Module::new(&engine, std::fs::read(path)?)?;
    for func in 0.. {
        match module.dump_ir(func) {
            Ok(Some(ir)) => println!("func {func}:\n{ir}"),
            Ok(None) => continue,
            Err(_) => break,
        }
    }
    Ok(())
}
