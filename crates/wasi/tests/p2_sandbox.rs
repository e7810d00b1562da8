//! Capability tests for WASI 0.2 guests: escape attempts out of a preopen, and a read-only
//! preopen refusing every kind of write, with the host left untouched. The guests are the
//! `wasm32-wasip2` builds of the fixtures sandbox.rs runs for preview 1.

mod common;
mod p2_common;

use std::path::Path;
use std::time::SystemTime;

use common::{fixture, run, TempDir};
use p2_common::{fixture_p2, run_p2};
use tessera_wasi::WasiCtxBuilder;

/// A path under a root, its contents (file) or target (symlink), and its mtime.
type Node = (String, Option<Vec<u8>>, Option<SystemTime>);

/// Every file, symlink and directory under `root`, sorted.
fn snapshot(root: &Path) -> Vec<Node> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Node>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                out.push((rel, None, md.modified().ok()));
                walk(root, &p, out);
            } else if md.is_symlink() {
                let target = std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes();
                out.push((rel, Some(target), None));
            } else {
                out.push((rel, Some(std::fs::read(&p).unwrap()), md.modified().ok()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Runs the escape fixture (p1 or p2 build) in a fresh sandbox; its output, and checks
/// that nothing outside changed and only the expected changes happened inside.
fn escape(p2: bool) -> common::Outcome {
    let tmp = TempDir::new(if p2 { "escape-p2" } else { "escape-p1" });
    let outside = tmp.join("outside.txt");
    std::fs::write(&outside, "secret").unwrap();
    let sandbox = tmp.join("sandbox");
    std::fs::create_dir_all(sandbox.join("subdir")).unwrap();
    std::fs::write(sandbox.join("inside.txt"), "inside\n").unwrap();
    std::os::unix::fs::symlink("../outside.txt", sandbox.join("link_out")).unwrap();
    std::os::unix::fs::symlink(&outside, sandbox.join("abs_link")).unwrap();
    let before = snapshot(tmp.path());
    let mut b = WasiCtxBuilder::new();
    b.args(["escape", outside.to_str().unwrap()]).preopened_dir(&sandbox, "/sandbox", false).unwrap();
    let out = if p2 { run_p2(&fixture_p2("escape"), &mut b) } else { run(&fixture("escape"), &mut b) };
    let outside_only =
        |snap: Vec<Node>| snap.into_iter().filter(|(p, ..)| !p.starts_with("sandbox")).collect::<Vec<_>>();
    assert_eq!(outside_only(snapshot(tmp.path())), outside_only(before));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "secret");
    let mut names: Vec<String> =
        std::fs::read_dir(&sandbox).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["abs_link", "inside.txt", "link_out", "mylink", "subdir"]);
    assert_eq!(std::fs::read_to_string(sandbox.join("inside.txt")).unwrap(), "still inside\n");
    out
}

/// WASI 0.2 has no `ENOTCAPABLE`: a path leading outside its grant is `not-permitted`, which
/// the guest's libc reports as `EPERM` (63) where preview 1 gives `ENOTCAPABLE` (76).
fn p1_to_p2(p1: &str) -> String {
    p1.replace("errno 76", "errno 63")
}

#[test]
fn escape_attempts_fail_and_leave_the_host_untouched() {
    let out = escape(true);
    // The expected lines are fixed in sandbox.rs for the preview 1 build; the 0.2 build must
    // print the same with EPERM for ENOTCAPABLE.
    assert_eq!(out.status, 0, "stderr: {}", out.stderr);
    assert_eq!(out.stdout, p1_to_p2(&escape(false).stdout), "p1 and p2 agree");
    assert_eq!(out.stdout.matches("errno 63").count(), 23, "{}", out.stdout);
}

/// Runs the read-only fixture (p1 or p2 build); checks the read-only tree is unchanged
/// and the writable one got exactly the guest's two files.
fn readonly(p2: bool) -> common::Outcome {
    let tmp = TempDir::new(if p2 { "readonly-p2" } else { "readonly-p1" });
    let (ro, rw) = (tmp.join("ro"), tmp.join("rw"));
    std::fs::create_dir_all(ro.join("sub")).unwrap();
    std::fs::create_dir(&rw).unwrap();
    std::fs::write(ro.join("data.txt"), "read me").unwrap();
    std::fs::write(ro.join("sub/inner.txt"), "inner").unwrap();
    let before = snapshot(&ro);
    let mut b = WasiCtxBuilder::new();
    b.preopened_dir(&ro, "/ro", true).unwrap().preopened_dir(&rw, "/rw", false).unwrap();
    let out = if p2 { run_p2(&fixture_p2("readonly"), &mut b) } else { run(&fixture("readonly"), &mut b) };
    assert_eq!(snapshot(&ro), before, "the read-only tree changed");
    let mut names: Vec<String> =
        std::fs::read_dir(&rw).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["mine.txt", "ok.txt"]);
    out
}

#[test]
fn a_read_only_preopen_refuses_every_write() {
    let out = readonly(true);
    // The expected lines are fixed in sandbox.rs for the preview 1 build.
    assert_eq!(out.status, 0, "stderr: {}", out.stderr);
    assert_eq!(out.stdout, p1_to_p2(&readonly(false).stdout), "p1 and p2 agree");
    assert_eq!(out.stdout.matches("errno 63").count(), 19, "{}", out.stdout);
}
