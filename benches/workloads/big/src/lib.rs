//! The large module for the start-up benchmark (several MB of code). Every library is
//! reachable from an export so the linker keeps it; the harness calls only `startup`, which
//! touches a small part, as a real program's first call would.
//!
//! # Safety
//! Every export taking `(ptr, len)` reads `len` bytes at `ptr`: a buffer returned by `alloc`.

#![allow(clippy::missing_safety_doc)] // the contract above holds for every such export

use serde::{Deserialize, Serialize};
use std::fmt::Write;

#[derive(Serialize, Deserialize)]
struct Point {
    x: i32,
    y: i32,
    label: String,
}

/// The export the start-up benchmark calls: parse a tiny JSON document and sum it.
#[no_mangle]
pub extern "C" fn startup() -> i32 {
    let p: Vec<Point> =
        serde_json::from_str(r#"[{"x":1,"y":2,"label":"a"},{"x":3,"y":4,"label":"bc"}]"#).unwrap();
    p.iter().map(|p| p.x + p.y + p.label.len() as i32).sum()
}

// ---- Input buffers for the other exports ----

#[no_mangle]
pub extern "C" fn alloc(len: i32) -> *mut u8 {
    let mut v = vec![0u8; len as usize];
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// # Safety
/// `ptr..ptr+len` must be a buffer returned by `alloc`.
unsafe fn input<'a>(ptr: *const u8, len: i32) -> &'a str {
    std::str::from_utf8(std::slice::from_raw_parts(ptr, len as usize)).unwrap_or("")
}

#[no_mangle]
pub unsafe extern "C" fn json_value(ptr: *const u8, len: i32) -> i32 {
    let v: serde_json::Value = serde_json::from_str(input(ptr, len)).unwrap_or_default();
    serde_json::to_string_pretty(&v).unwrap().len() as i32
}

#[no_mangle]
pub unsafe extern "C" fn regex_count(ptr: *const u8, len: i32) -> i32 {
    let text = input(ptr, len);
    let (pat, hay) = text.split_once('\n').unwrap_or((text, ""));
    match regex::Regex::new(pat) {
        Ok(re) => re.find_iter(hay).count() as i32,
        Err(_) => -1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn regex_set(ptr: *const u8, len: i32) -> i32 {
    let text = input(ptr, len);
    let set = regex::RegexSet::new(text.lines().take(8)).map(|s| s.len()).unwrap_or(0);
    let bytes =
        regex::bytes::Regex::new(text.lines().next().unwrap_or("")).map(|r| r.captures_len()).unwrap_or(0);
    (set + bytes) as i32
}

#[no_mangle]
pub unsafe extern "C" fn deflate(ptr: *const u8, len: i32) -> i32 {
    let data = std::slice::from_raw_parts(ptr, len as usize);
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(data, 9);
    let back = miniz_oxide::inflate::decompress_to_vec_zlib(&packed).unwrap_or_default();
    (packed.len() + back.len()) as i32
}

#[no_mangle]
pub unsafe extern "C" fn sha256(ptr: *const u8, len: i32) -> i32 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(std::slice::from_raw_parts(ptr, len as usize));
    let e = sha2::Sha512::digest(d);
    i32::from_le_bytes([d[0], d[1], e[2], e[3]])
}

#[no_mangle]
pub unsafe extern "C" fn rust_items(ptr: *const u8, len: i32) -> i32 {
    match syn::parse_file(input(ptr, len)) {
        Ok(file) => {
            // Round-trip through the printer, `Debug`, `Clone` and a folder.
            let printed = quote::ToTokens::to_token_stream(&file).to_string();
            let debug = format!("{file:?}").len();
            let folded = syn::fold::fold_file(&mut Renamer, file.clone());
            let mut counter = Counter(0);
            syn::visit::visit_file(&mut counter, &folded);
            (printed.len() + debug + counter.0) as i32
        }
        Err(e) => -(e.to_string().len() as i32),
    }
}

struct Renamer;
impl syn::fold::Fold for Renamer {
    fn fold_ident(&mut self, i: syn::Ident) -> syn::Ident {
        syn::Ident::new(&format!("{i}_"), i.span())
    }
}

struct Counter(usize);
impl<'a> syn::visit::Visit<'a> for Counter {
    fn visit_expr(&mut self, e: &'a syn::Expr) {
        self.0 += 1;
        syn::visit::visit_expr(self, e);
    }
}

#[no_mangle]
pub unsafe extern "C" fn toml_doc(ptr: *const u8, len: i32) -> i32 {
    match input(ptr, len).parse::<toml::Table>() {
        Ok(t) => toml::to_string(&t).map(|s| s.len() as i32).unwrap_or(-2),
        Err(_) => -1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn wat_to_wasm(ptr: *const u8, len: i32) -> i32 {
    match wat::parse_str(input(ptr, len)) {
        Ok(bin) => {
            let mut validator = wasmparser::Validator::new();
            match validator.validate_all(&bin) {
                Ok(_) => bin.len() as i32,
                Err(_) => -2,
            }
        }
        Err(_) => -1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_sections(ptr: *const u8, len: i32) -> i32 {
    let mut out = String::new();
    for payload in wasmparser::Parser::new(0).parse_all(std::slice::from_raw_parts(ptr, len as usize)) {
        match payload {
            Ok(p) => {
                let _ = write!(out, "{:?}", std::mem::discriminant(&p));
            }
            Err(_) => return -1,
        }
    }
    out.len() as i32
}

#[no_mangle]
pub unsafe extern "C" fn markdown(ptr: *const u8, len: i32) -> i32 {
    let parser = pulldown_cmark::Parser::new_ext(input(ptr, len), pulldown_cmark::Options::all());
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html.len() as i32
}
