//! `bindgen!`: typed host bindings for a WIT world, on top of `tessera-component`.
//!
//! ```ignore
//! mod bindings {
//!     tessera_bindgen::bindgen!({ path: "wit", world: "plugin" });
//! }
//! let plugin = bindings::Plugin::instantiate(&mut store, &component, &linker)?;
//! let name: String = plugin.call_name(&mut store)?;
//! ```
//!
//! For a world the macro generates, relative to where it is invoked:
//! - its **types** (records as structs, variants and enums as enums, flags as structs of
//!   `bool`s, aliases as `type`s), each implementing `tessera_component::ComponentValue`; a
//!   type defined in interface `ns:pkg/iface` lives in module `ns::pkg::iface` (or
//!   `exports::ns::pkg::iface` when only exported);
//! - for its **imports**, a `Host` trait per interface (`<World>Imports` for functions
//!   imported by the world itself), a `Host<Resource>` trait per imported resource, and
//!   `add_to_linker` functions that define them all in a `Linker`;
//! - for its **exports**, a struct named after the world with `instantiate`, `new` and one
//!   `call_<function>` per exported function, and per exported interface a `Guest` struct
//!   (and a `Guest<Resource>` struct per exported resource) reached through an accessor.
//!
//! The generated code names `::tessera_component` and `::tessera_engine`, so the crate using
//! the macro depends on both. The pipeline: [`input`] reads the macro input and the WIT,
//! [`context`] decides where everything goes, [`types`], [`imports`] and [`exports`] write
//! the Rust.

mod context;
mod exports;
mod imports;
mod input;
mod support;
mod types;

use proc_macro::TokenStream;

/// Generates typed host bindings for a WIT world.
///
/// Input, either form:
/// - `bindgen!({ path: "wit", world: "plugin" })`: `path` is a WIT file or directory
///   (with an optional `deps/`) relative to the invoking crate's `CARGO_MANIFEST_DIR`,
///   `"wit"` when left out; `world` may be left out when the package has one world.
///   `inline: "package a:b; world w { ... }"` gives the WIT in place of `path`.
/// - `bindgen!("plugin" in "wit")`: the world, then the path.
///
/// Errors in the input (a missing file, a WIT syntax error, an unknown world, a type the
/// runtime does not support) are compile errors with a one-line message.
#[proc_macro]
pub fn bindgen(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as input::Input);
    let span = input.span;
    match input.load().and_then(|loaded| context::generate(&loaded)) {
        Ok(tokens) => tokens.into(),
        Err(message) => {
            let message = format!("bindgen!: {message}");
            quote::quote_spanned!(span=> ::core::compile_error!(#message);).into()
        }
    }
}
