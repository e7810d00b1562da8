//! `plugin-host PLUGINS_DIR INPUT`: runs every plugin in PLUGINS_DIR on INPUT and prints one
//! report line per plugin. Exits 0 even when plugins misbehave: surviving them is the point.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, input] = args.as_slice() else {
        eprintln!("usage: plugin-host PLUGINS_DIR INPUT");
        return ExitCode::from(2);
    };
    let engine = tessera_plugin_host::engine();
    match tessera_plugin_host::run_all(&engine, std::path::Path::new(dir), input) {
        Ok(reports) => {
            for r in reports {
                println!("{r}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {dir}: {e}");
            ExitCode::from(1)
        }
    }
}
