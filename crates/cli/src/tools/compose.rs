//! `tessera compose CONSUMER --plug PROVIDER... -o OUT`: fills the consumer's imports with the
//! plugs' exports of the same name (or a semver-compatible one) and encodes the composition,
//! with `wac-graph`. Unlike `wac plug`, a plug export whose type does not match the import it
//! names is an error, not a silent skip.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use wac_graph::types::{are_semver_compatible, Package, SubtypeChecker};
use wac_graph::{CompositionGraph, EncodeOptions};

use super::read;

#[derive(Args)]
pub struct ComposeArgs {
    /// The component whose imports are to be filled (the "socket").
    consumer: PathBuf,
    /// A component whose exports fill the consumer's imports; repeatable.
    #[arg(long = "plug", short = 'd', value_name = "PROVIDER", required = true)]
    plugs: Vec<PathBuf>,
    /// Where to write the composed component.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
}

fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string().lines().next().unwrap_or("").to_string()).collect::<Vec<_>>().join(": ")
}

fn load(graph: &mut CompositionGraph, name: &str, path: &Path) -> Result<wac_graph::PackageId> {
    let bytes = read(path)?;
    if !tessera_component::is_component(&bytes) {
        bail!("{}: not a component", path.display());
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
                    "{plug_file}: export `{export}` does not match the type of import `{import}` of {consumer}: {}",
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
        bail!(
            "no plug provides an import of {consumer} (its imports: {})",
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        );
    }
    let exports: Vec<String> = graph.types()[socket_world].exports.keys().cloned().collect();
    for name in &exports {
        let node = graph.alias_instance_export(socket_inst, name).map_err(|e| anyhow!("{e}"))?;
        graph.export(node, name).map_err(|e| anyhow!("{e}"))?;
    }
    let bytes = graph
        .encode(EncodeOptions::default())
        .map_err(|e| anyhow!("cannot encode the composition: {}", one_line(&e.into())))?;
    // wac-graph validated it with its own wasmparser; load it as Tessera would run it, too.
    tessera_component::Component::new(&tessera_engine::Engine::default(), &bytes)
        .map_err(|e| anyhow!("the composition does not load: {e}"))?;
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
