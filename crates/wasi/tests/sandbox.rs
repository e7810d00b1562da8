//! Capability tests: escape attempts out of a preopen, and a read-only preopen refusing
//! every kind of write. Each attempt must fail with the expected errno and leave the host
//! untouched.

mod common;

use std::path::Path;
use std::time::SystemTime;

use common::{fixture, run, TempDir};
use tessera_wasi::WasiCtxBuilder;

/// A path under a root, its contents (file) or target (symlink), and its mtime.
type Node = (String, Option<Vec<u8>>, Option<SystemTime>);

/// Every file and directory under `root`, with file contents, sorted.
fn snapshot(root: &Path) -> Vec<Node> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Node>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                out.push((rel, None, md.modified().ok()));
                walk(root, &p, out);
            } else if md.is_symlink() {
                out.push((
                    rel,
                    Some(std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes()),
                    None,
                ));
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

#[test]
fn escape_attempts_fail_and_leave_the_host_untouched() {
    let tmp = TempDir::new("escape");
    let outside = tmp.join("outside.txt");
    std::fs::write(&outside, "secret").unwrap();
    let sandbox = tmp.join("sandbox");
    std::fs::create_dir_all(sandbox.join("subdir")).unwrap();
    std::fs::write(sandbox.join("inside.txt"), "inside\n").unwrap();
    std::os::unix::fs::symlink("../outside.txt", sandbox.join("link_out")).unwrap();
    std::os::unix::fs::symlink(&outside, sandbox.join("abs_link")).unwrap();
    let before = snapshot(tmp.path());

    let out = run(
        &fixture("escape"),
        WasiCtxBuilder::new()
            .args(["escape", outside.to_str().unwrap()])
            .preopened_dir(&sandbox, "/sandbox", false)
            .unwrap(),
    );
    let expected = r#"open ../outside.txt: errno 76
open absolute host path: errno 76
open /etc/passwd: errno 76
open subdir/../../outside.txt: errno 76
open symlink to ../outside.txt: errno 76
open symlink to absolute path: errno 76
open dir ..: errno 76
create ../created.txt: errno 76
truncate through symlink: errno 76
open ../../outside.txt from subdir fd: errno 76
stat ../outside.txt: errno 76
stat through symlink: errno 76
set times ../outside.txt: errno 76
hard link outside -> inside: errno 76
hard link inside -> outside: errno 76
hard link to symlink target: errno 28
rename inside -> outside: errno 76
rename outside -> inside: errno 76
unlink ../outside.txt: errno 76
mkdir ../newdir: errno 76
rmdir ../sandbox: errno 76
symlink with .. target (creation): ok
open new symlink: errno 76
symlink with absolute target: errno 76
symlink placed outside: errno 76
readlink link_out: 0 "../outside.txt"
write inside: 0 13
"#;
    assert_eq!(out.stdout, expected, "stderr: {}", out.stderr);
    assert_eq!(out.status, 0);

    // Outside the sandbox nothing changed: same entries, contents and times.
    let outside_only =
        |snap: Vec<Node>| snap.into_iter().filter(|(p, ..)| !p.starts_with("sandbox")).collect::<Vec<_>>();
    assert_eq!(outside_only(snapshot(tmp.path())), outside_only(before));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "secret");
    // Inside, only the two expected changes happened.
    let mut names: Vec<String> =
        std::fs::read_dir(&sandbox).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["abs_link", "inside.txt", "link_out", "mylink", "subdir"]);
    assert_eq!(std::fs::read_to_string(sandbox.join("inside.txt")).unwrap(), "still inside\n");
}

#[test]
fn a_read_only_preopen_refuses_every_write() {
    let tmp = TempDir::new("readonly");
    let ro = tmp.join("ro");
    let rw = tmp.join("rw");
    std::fs::create_dir_all(ro.join("sub")).unwrap();
    std::fs::create_dir(&rw).unwrap();
    std::fs::write(ro.join("data.txt"), "read me").unwrap();
    std::fs::write(ro.join("sub/inner.txt"), "inner").unwrap();
    let before = snapshot(&ro);

    let out = run(
        &fixture("readonly"),
        WasiCtxBuilder::new()
            .preopened_dir(&ro, "/ro", true)
            .unwrap()
            .preopened_dir(&rw, "/rw", false)
            .unwrap(),
    );
    let expected = r#"read: read me
list: ["data.txt", "sub"]
metadata: 7
create: errno 76
create_new: errno 76
open for write: errno 76
open for append: errno 76
open truncate: errno 76
write to read-only fd: errno 8
set_len: errno 76
set_times: errno 76
mkdir: errno 76
rmdir: errno 76
unlink: errno 76
rename within: errno 76
rename out to rw: errno 76
rename in from rw: errno 76
hard link within: errno 76
hard link out to rw: errno 76
hard link in from rw: errno 76
symlink: errno 76
subdir create: errno 76
subdir remove: errno 76
rw still writable: ok
"#;
    // (The host answers a write on a descriptor without the write right with ENOTCAPABLE;
    // wasi-libc's `write` reports that as EBADF, as POSIX does for a read-only descriptor.)
    assert_eq!(out.stdout, expected, "stderr: {}", out.stderr);
    assert_eq!(out.status, 0);
    assert_eq!(snapshot(&ro), before, "the read-only tree changed");
    let mut names: Vec<String> =
        std::fs::read_dir(&rw).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["mine.txt", "ok.txt"]);
}
