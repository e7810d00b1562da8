//! The Rust guest programs of tests/fixtures built for `wasm32-wasip2` (components using
//! WASI 0.2), run through the component linker and `tessera_wasi::p2::add_to_linker`. The
//! same sources built for `wasm32-wasip1` run in programs.rs; where both builds run, their
//! output must be the same.

mod common;
mod p2_common;

use common::{fixture, run, TempDir};
use p2_common::{fixture_p2, run_p2};
use tessera_wasi::{ReadPipe, WasiCtxBuilder};

#[test]
fn args_and_env_with_unicode() {
    let grants = || {
        let mut b = WasiCtxBuilder::new();
        b.args(["prog", "héllo wörld", "日本語", "", "emoji 🦀"]).env("B", "2").env("A", "ünï");
        b
    };
    let out = run_p2(&fixture_p2("args_env"), &mut grants());
    assert_eq!(out.status, 0);
    assert_eq!(
        out.stdout,
        "arg[0]=prog\narg[1]=héllo wörld\narg[2]=日本語\narg[3]=\narg[4]=emoji 🦀\nenv A=ünï\nenv B=2\n"
    );
    assert_eq!(out.stdout, run(&fixture("args_env"), &mut grants()).stdout, "p1 and p2 agree");
}

#[test]
fn a_guest_gets_no_args_or_env_unless_granted() {
    let out = run_p2(&fixture_p2("args_env"), &mut WasiCtxBuilder::new());
    assert_eq!((out.status, out.stdout.as_str()), (0, ""));
}

#[test]
fn stdin_is_echoed_to_stdout() {
    let input = "line one\nline two ✓\n".repeat(1000);
    let out = run_p2(&fixture_p2("echo"), WasiCtxBuilder::new().stdin(ReadPipe::new(input.clone())));
    assert_eq!(out.status, 0);
    assert_eq!(out.stdout, input);
    assert_eq!(out.stderr, format!("echoed {} bytes\n", input.len()));
    let p1 = run(&fixture("echo"), WasiCtxBuilder::new().stdin(ReadPipe::new(input.clone())));
    assert_eq!((p1.stdout, p1.stderr), (out.stdout, out.stderr), "p1 and p2 agree");
}

#[test]
fn empty_stdin_by_default() {
    let out = run_p2(&fixture_p2("echo"), &mut WasiCtxBuilder::new());
    assert_eq!((out.status, out.stdout.as_str(), out.stderr.as_str()), (0, "", "echoed 0 bytes\n"));
}

/// WASI 0.2's `wasi:cli/exit.exit` carries only success or failure, so a status other than
/// 0 reaches the host as 1 (preview 1's `proc_exit` carries the number itself).
#[test]
fn exit_status_is_success_or_failure() {
    for code in [0, 1, 3, 42, 125] {
        let out =
            run_p2(&fixture_p2("exit_code"), WasiCtxBuilder::new().args(["exit_code", &code.to_string()]));
        assert_eq!(out.status, i32::from(code != 0), "exit({code})");
        assert_eq!(out.stdout, format!("exiting with {code}\n"));
    }
}

#[test]
fn clocks_sleep_and_random() {
    let started = std::time::Instant::now();
    let out = run_p2(&fixture_p2("clocks_random"), &mut WasiCtxBuilder::new());
    assert!(started.elapsed() >= std::time::Duration::from_millis(150), "the guest really sleeps");
    assert_eq!(out.status, 0);
    let expected = "monotonic non-decreasing: true\nrealtime plausible: true\nslept at least 150ms: true\n\
         slept under 5s: true\nmonotonic advanced: true\nrandom differs: true\n\
         random not all zero: true\nrandom balanced: true\n";
    assert_eq!(out.stdout, expected);
    assert_eq!(run(&fixture("clocks_random"), &mut WasiCtxBuilder::new()).stdout, expected, "p1 agrees");
}

/// Runs the `fs_ops` fixture (p1 or p2 build) on a fresh sandbox; its output and the tree
/// it left.
fn fs_ops(p2: bool) -> (common::Outcome, TempDir) {
    let tmp = TempDir::new(if p2 { "fsops-p2" } else { "fsops-p1" });
    let sandbox = tmp.join("sandbox");
    std::fs::create_dir(&sandbox).unwrap();
    let mut b = WasiCtxBuilder::new();
    b.preopened_dir(&sandbox, "/sandbox", false).unwrap();
    let out = if p2 { run_p2(&fixture_p2("fs_ops"), &mut b) } else { run(&fixture("fs_ops"), &mut b) };
    (out, tmp)
}

#[test]
fn file_and_directory_operations() {
    let (out, tmp) = fs_ops(true);
    // The expected lines are fixed in programs.rs for the preview 1 build; the 0.2 build
    // must print the same (checked below), so they are not repeated here.
    assert!(
        out.stdout.ends_with("top: [\"a.txt\", \"big.bin\", \"fresh.txt\", \"s.txt\", \"sub\"]\n"),
        "stderr: {}",
        out.stderr
    );
    assert_eq!(out.status, 0);
    let sandbox = tmp.join("sandbox");
    assert_eq!(std::fs::read_to_string(sandbox.join("sub/c.txt")).unwrap(), "bee!");
    assert_eq!(std::fs::metadata(sandbox.join("big.bin")).unwrap().len(), 10 * 1024 * 1024);
    assert_eq!(std::fs::read_link(sandbox.join("s.txt")).unwrap().to_str(), Some("sub/c.txt"));
    let mtime = std::fs::metadata(sandbox.join("sub/c.txt")).unwrap().modified().unwrap();
    assert_eq!(mtime, std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000));
    let (p1, _tmp) = fs_ops(false);
    assert_eq!(p1.stdout, out.stdout, "p1 and p2 agree");
}

/// Lays out the same small tree under `root/src` every time (as programs.rs does).
fn make_tree(root: &std::path::Path) {
    let src = root.join("src");
    std::fs::create_dir_all(src.join("docs/empty")).unwrap();
    std::fs::create_dir_all(src.join("données")).unwrap();
    std::fs::write(src.join("readme.txt"), "tree copy fixture\n").unwrap();
    std::fs::write(src.join("docs/a.md"), "# A\n").unwrap();
    std::fs::write(src.join("docs/zero"), "").unwrap();
    std::fs::write(src.join("données/ünïcode.txt"), "ü".repeat(100)).unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(src.join("big.bin"), big).unwrap();
}

/// Every file under `dir` with its contents, and every directory, sorted.
fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((rel + "/", Vec::new()));
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn tree_copy_behaves_as_the_preview_1_build() {
    let outcome = |p2: bool| {
        let root = TempDir::new(if p2 { "treecopy-p2" } else { "treecopy-p1" });
        make_tree(root.path());
        let mut b = WasiCtxBuilder::new();
        b.arg("tree_copy").args(["src", "dst", "7", "ünï", "two words"]);
        b.preopened_dir(root.path(), ".", false).unwrap();
        b.env("TESSERA_MODE", "test").env("GREETING", "grüß dich");
        let out =
            if p2 { run_p2(&fixture_p2("tree_copy"), &mut b) } else { run(&fixture("tree_copy"), &mut b) };
        let copied = tree(&root.join("dst"));
        assert_eq!(copied, tree(&root.join("src")));
        (out, copied)
    };
    let (p2, p2_tree) = outcome(true);
    let (p1, p1_tree) = outcome(false);
    assert_eq!(p2.stdout, p1.stdout);
    assert_eq!(p2.stderr, "exiting with 7\n");
    assert_eq!(p2.stderr, p1.stderr);
    assert_eq!(p2.status, 1, "WASI 0.2 exits with success or failure only");
    assert_eq!(p2_tree, p1_tree);
    assert!(p2.stdout.ends_with("copied, 4 top-level entries\n"), "{}", p2.stdout);
}

/// One context, one store: a preview 1 module and a WASI 0.2 component run one after the
/// other share the grants (here the arguments and the stdout pipe).
#[test]
fn one_context_serves_a_preview_1_module_and_a_component() {
    use tessera_component::{Component, Linker as ComponentLinker, Val};
    use tessera_engine::{Engine, Linker, Module, Store};
    use tessera_wasi::{WasiCtx, WritePipe};

    let out = WritePipe::new();
    let ctx = WasiCtxBuilder::new().args(["prog", "shared"]).env("E", "1").stdout(out.clone()).build();
    let engine = Engine::default();
    let mut store = Store::new(&engine, ctx);

    let module = Module::new(&engine, fixture("args_env")).unwrap();
    let mut linker = Linker::<WasiCtx>::new();
    tessera_wasi::add_to_linker(&mut linker, |c| c).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_typed_func::<(), (), _>(&store, "_start").unwrap();
    start.call(&mut store, ()).unwrap();

    let component = Component::new(&engine, fixture_p2("args_env")).unwrap();
    let mut linker = ComponentLinker::<WasiCtx>::new();
    tessera_wasi::p2::add_to_linker(&mut linker, |c| c).unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let mut result = [Val::Bool(false)];
    p2_common::run_export(&instance).call(&mut store, &[], &mut result).unwrap();
    assert_eq!(result[0], Val::Result(Ok(None)));

    assert_eq!(out.contents_string(), "arg[0]=prog\narg[1]=shared\nenv E=1\n".repeat(2));
}
