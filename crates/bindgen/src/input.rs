//! The macro's input (`{ path, world, inline }` or `"world" in "path"`) and loading the WIT
//! it names.

use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};
use wit_parser::{Resolve, WorldId};

/// What the macro was asked for.
pub(crate) struct Input {
    /// Where compile errors point.
    pub(crate) span: Span,
    path: Option<String>,
    world: Option<String>,
    inline: Option<String>,
}

/// The resolved WIT: every package read, and the world to generate bindings for.
pub(crate) struct Loaded {
    pub(crate) resolve: Resolve,
    pub(crate) world: WorldId,
    /// The files read, so that the invoking crate is rebuilt when one changes.
    pub(crate) files: Vec<PathBuf>,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut out = Input { span: input.span(), path: None, world: None, inline: None };
        if input.peek(syn::token::Brace) {
            let content;
            syn::braced!(content in input);
            while !content.is_empty() {
                let key: Ident = content.parse()?;
                content.parse::<Token![:]>()?;
                let value: LitStr = content.parse()?;
                let slot = match key.to_string().as_str() {
                    "path" => &mut out.path,
                    "world" => &mut out.world,
                    "inline" => &mut out.inline,
                    other => {
                        let message =
                            format!("unknown option `{other}`: expected `path`, `world` or `inline`");
                        return Err(syn::Error::new(key.span(), message));
                    }
                };
                if slot.replace(value.value()).is_some() {
                    return Err(syn::Error::new(key.span(), format!("`{key}` is given twice")));
                }
                if content.is_empty() {
                    break;
                }
                content.parse::<Token![,]>()?;
            }
        } else {
            out.world = Some(input.parse::<LitStr>()?.value());
            if input.peek(Token![in]) {
                input.parse::<Token![in]>()?;
                out.path = Some(input.parse::<LitStr>()?.value());
            }
        }
        if !input.is_empty() {
            return Err(
                input.error("expected `{ path: \"...\", world: \"...\" }` or `\"world\" in \"path\"`")
            );
        }
        if out.inline.is_some() && out.path.is_some() {
            return Err(syn::Error::new(out.span, "give either `path` or `inline`, not both"));
        }
        Ok(out)
    }
}

impl Input {
    /// Reads and resolves the WIT, and picks the world.
    ///
    /// # Errors
    /// A one-line message: the file is missing, the WIT does not parse or resolve, or the
    /// world is not there.
    pub(crate) fn load(&self) -> Result<Loaded, String> {
        let mut resolve = Resolve::default();
        let (package, files) = match &self.inline {
            Some(text) => {
                let package =
                    resolve.push_str("inline.wit", text).map_err(|e| one_line(&format!("{e:#}")))?;
                (package, Vec::new())
            }
            None => {
                let dir = std::env::var("CARGO_MANIFEST_DIR")
                    .map_err(|_| "CARGO_MANIFEST_DIR is not set: run through cargo".to_string())?;
                let path = Path::new(&dir).join(self.path.as_deref().unwrap_or("wit"));
                if !path.exists() {
                    return Err(format!("no WIT file or directory at `{}`", path.display()));
                }
                let (package, sources) = resolve.push_path(&path).map_err(|e| one_line(&format!("{e:#}")))?;
                (package, sources.paths().map(Path::to_path_buf).collect())
            }
        };
        let world = resolve.select_world(&[package], self.world.as_deref()).map_err(|e| {
            let worlds: Vec<&str> = resolve.packages[package].worlds.keys().map(String::as_str).collect();
            format!("{} (worlds in the package: {})", one_line(&format!("{e:#}")), worlds.join(", "))
        })?;
        Ok(Loaded { resolve, world, files })
    }
}

/// wit-parser's messages span several lines (the offending source, underlined); a compile
/// error reads best as one: the message and the `--> file:line:col` location.
fn one_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut out = lines.next().unwrap_or("unknown error").to_string();
    if let Some(location) = lines.find(|l| l.starts_with("-->")) {
        out.push(' ');
        out.push_str(location);
    }
    out
}
