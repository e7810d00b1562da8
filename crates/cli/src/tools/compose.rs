//! `tessera compose CONSUMER --plug PROVIDER... -o OUT`: fills the consumer's imports with the
//! plugs' exports of the same name (or a semver-compatible one, as `wac plug` matches) and
//! encodes the composition with `wac-graph`, the Bytecode Alliance's composition library,
//! rather than a hand-written encoder.
//!
//! Rules: an import no plug provides stays an import of the result (WASI's, typically); a
//! plug export whose name matches an import but whose type does not is an error naming both
//! (`wac plug` would skip it silently, and the user would wonder why it was not plugged); a
//! run in which no plug matches anything is an error listing the consumer's imports, since
//! it is almost certainly a wrong file or a misnamed interface. The result is validated
//! with wasmparser before it is written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use wac_graph::types::{are_semver_compatible, Package, SubtypeChecker};
use wac_graph::{CompositionGraph, EncodeOptions};
use wasmparser::{Validator, WasmFeatures};

use super::{one_line, read, to_binary};

#[derive(Args)]
pub struct ComposeArgs {
    /// The component whose imports are to be filled (the "socket").
    consumer: PathBuf,
    /// A component whose exports fill the consumer's imports of the same name; repeatable
    /// (`-d`, for "dependency", as in `wasm-tools compose`).
    #[arg(long = "plug", short = 'd', value_name = "PROVIDER", required = true)]
    plugs: Vec<PathBuf>,
    /// Where to write the composed component.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
}

/// Reads a component (binary or text) into the graph as a package named `name`; the names
/// only matter to wac-graph's error messages, which are re-worded with the file names.
fn load(graph: &mut CompositionGraph, name: &str, path: &Path) -> Result<wac_graph::PackageId> {
    let bytes = to_binary(path, read(path)?)?;
    if !wasmparser::Parser::is_component(&bytes) {
        bail!("{}: not a component (compose works on components only)", path.display());
    }
    let package = Package::from_bytes(name, None, bytes, graph.types_mut())
        .map_err(|e| anyhow!("{}: {}", path.display(), one_line(&e)))?;
    graph.register_package(package).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub fn run(args: ComposeArgs) -> Result<ExitCode> {
    let consumer = args.consumer.display().to_string();
    let mut graph = CompositionGraph::new();
    let socket = load(&mut graph, "consumer", &args.consumer)?;
    let plugs = args
        .plugs
        .iter()
        .enumerate()
        .map(|(i, p)| Ok((p.display().to_string(), load(&mut graph, &format!("plug{i}"), p)?)))
        .collect::<Result<Vec<_>>>()?;

    let socket_world = graph[socket].ty();
    let imports: Vec<(String, _)> =
        graph.types()[socket_world].imports.iter().map(|(n, k)| (n.clone(), *k)).collect();
    let socket_inst = graph.instantiate(socket);
    let mut plugged: Vec<(String, String)> = Vec::new();
    for (plug_file, plug) in &plugs {
        let exports: Vec<(String, _)> =
            graph.types()[graph[*plug].ty()].exports.iter().map(|(n, k)| (n.clone(), *k)).collect();
        let mut plug_inst = None;
        for (export, export_ty) in exports {
            let Some((import, import_ty)) = imports
                .iter()
                .find(|(i, _)| *i == export)
                .or_else(|| imports.iter().find(|(i, _)| are_semver_compatible(&export, i)))
            else {
                continue;
            };
            if let Some((_, by)) = plugged.iter().find(|(i, _)| i == import) {
                bail!("import `{import}` of {consumer} is provided by both {by} and {plug_file}");
            }
            let mut cache = Default::default();
            if let Err(e) = SubtypeChecker::new(&mut cache).is_subtype(
                export_ty,
                graph.types(),
                *import_ty,
                graph.types(),
            ) {
                bail!(
                    "import `{import}` of {consumer} cannot be plugged with export `{export}` of \
                     {plug_file}: types mismatch: {}",
                    one_line(&e)
                );
            }
            let inst = *plug_inst.get_or_insert_with(|| graph.instantiate(*plug));
            let node = graph.alias_instance_export(inst, &export).map_err(|e| anyhow!("{e}"))?;
            graph.set_instantiation_argument(socket_inst, import, node).map_err(|e| anyhow!("{e}"))?;
            plugged.push((import.clone(), plug_file.clone()));
        }
    }
    if plugged.is_empty() {
        let names: Vec<&str> = imports.iter().map(|(n, _)| n.as_str()).collect();
        if names.is_empty() {
            bail!("no plug satisfies any import of {consumer} (it has no imports)");
        }
        bail!("no plug satisfies any import of {consumer} (its imports: {})", names.join(", "));
    }
    let exports: Vec<String> = graph.types()[socket_world].exports.keys().cloned().collect();
    for name in &exports {
        let node = graph.alias_instance_export(socket_inst, name).map_err(|e| anyhow!("{e}"))?;
        graph.export(node, name).map_err(|e| anyhow!("{e}"))?;
    }
    let bytes = graph
        .encode(EncodeOptions::default())
        .map_err(|e| anyhow!("cannot encode the composition: {}", one_line(&e.into())))?;
    // wac-graph's encoder is a different wasm-tools release than ours (0.258); check what it
    // wrote with the workspace's validator. Every feature is on: this catches a malformed
    // composition, and which proposals a runtime accepts is for the runtime to say at load.
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(&bytes)
        .map_err(|e| anyhow!("the composition is not valid: {}", one_line(&e.into())))?;
    std::fs::write(&args.output, &bytes)
        .map_err(|e| anyhow!("cannot write {}: {e}", args.output.display()))?;

    for (import, by) in &plugged {
        println!("plugged {import} with {by}");
    }
    let left: Vec<&str> =
        imports.iter().map(|(n, _)| n.as_str()).filter(|n| !plugged.iter().any(|(p, _)| p == n)).collect();
    if !left.is_empty() {
        println!("still imported: {}", left.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
