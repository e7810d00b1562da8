//! Where generated items go (module paths, names) and the top-level order of generation.

use std::collections::{BTreeMap, HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use wit_parser::{Docs, InterfaceId, Resolve, TypeDefKind, TypeId, TypeOwner, World, WorldItem, WorldKey};

use crate::input::Loaded;

/// Who implements a resource: the host (imported) or the component (exported).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Host,
    Guest,
}

/// What the generators share: the resolved WIT and the home module of each interface.
pub(crate) struct Gen<'a> {
    pub(crate) resolve: &'a Resolve,
    pub(crate) world: &'a World,
    /// The module each interface's types are generated in, as segments from the root.
    homes: HashMap<InterfaceId, Vec<String>>,
    imported: HashSet<InterfaceId>,
}

/// Generated items by module; turned into nested `pub mod`s at the end.
#[derive(Default)]
pub(crate) struct ModuleTree {
    items: TokenStream,
    children: BTreeMap<String, ModuleTree>,
}

impl ModuleTree {
    /// The items of the module at `path` (created if new).
    pub(crate) fn at(&mut self, path: &[String]) -> &mut TokenStream {
        match path.split_first() {
            None => &mut self.items,
            Some((first, rest)) => self.children.entry(first.clone()).or_default().at(rest),
        }
    }

    fn into_tokens(self) -> TokenStream {
        let ModuleTree { mut items, children } = self;
        for (name, child) in children {
            let name = ident(&name);
            let body = child.into_tokens();
            items.extend(quote! {
                #[allow(clippy::all, dead_code, unused_imports, non_camel_case_types, non_snake_case)]
                pub mod #name {
                    #body
                }
            });
        }
        items
    }
}

/// Generates everything for the loaded world.
///
/// # Errors
/// A one-line message naming what could not be generated (an unsupported type, say).
pub(crate) fn generate(loaded: &Loaded) -> Result<TokenStream, String> {
    let gen = Gen::new(&loaded.resolve, &loaded.resolve.worlds[loaded.world])?;
    let mut tree = ModuleTree::default();
    gen.generate_types(&mut tree)?;
    let imports = gen.generate_imports(&mut tree)?;
    gen.generate_exports(&mut tree, &imports)?;
    let support = crate::support::items();
    let files = loaded.files.iter().filter_map(|p| p.to_str());
    let body = tree.into_tokens();
    Ok(quote! {
        #support
        // Rebuild the invoking crate when the WIT changes.
        const _: () = { #(let _ = ::core::include_bytes!(#files);)* };
        #body
    })
}

impl<'a> Gen<'a> {
    fn new(resolve: &'a Resolve, world: &'a World) -> Result<Gen<'a>, String> {
        let mut gen = Gen { resolve, world, homes: HashMap::new(), imported: HashSet::new() };
        for (key, item) in &world.imports {
            if let WorldItem::Interface { id, .. } = item {
                gen.imported.insert(*id);
                gen.homes.insert(*id, gen.interface_module(key, *id));
            }
        }
        for (key, item) in &world.exports {
            if let WorldItem::Interface { id, .. } = item {
                if gen.imported.contains(id) {
                    let resources = resolve.interfaces[*id]
                        .types
                        .values()
                        .any(|t| matches!(resolve.types[*t].kind, TypeDefKind::Resource));
                    if resources {
                        return Err(format!(
                            "interface `{}` is both imported and exported and defines resources: not supported yet",
                            resolve.name_world_key(key)
                        ));
                    }
                    continue;
                }
                let mut path = vec!["exports".to_string()];
                path.extend(gen.interface_module(key, *id));
                gen.homes.insert(*id, path);
            }
        }
        Ok(gen)
    }

    /// `ns::pkg::iface` for a named interface, the world's name for it otherwise.
    pub(crate) fn interface_module(&self, key: &WorldKey, id: InterfaceId) -> Vec<String> {
        let iface = &self.resolve.interfaces[id];
        match (&iface.name, iface.package) {
            (Some(name), Some(package)) => {
                let package = &self.resolve.packages[package].name;
                vec![snake(&package.namespace), snake(&package.name), snake(name)]
            }
            _ => vec![snake(&self.resolve.name_world_key(key))],
        }
    }

    /// The home module of an interface.
    pub(crate) fn home(&self, id: InterfaceId) -> Result<&[String], String> {
        self.homes.get(&id).map(Vec::as_slice).ok_or_else(|| {
            let name = self.resolve.id_of(id).unwrap_or_else(|| "an inline interface".into());
            format!("`{name}` is used but neither imported nor exported by the world")
        })
    }

    /// Whether the world imports interface `id` (its resources are then the host's).
    pub(crate) fn is_imported(&self, id: InterfaceId) -> bool {
        self.imported.contains(&id)
    }

    /// The path from the module at `depth` to the named type `id`.
    pub(crate) fn type_path(&self, id: TypeId, depth: usize) -> Result<TokenStream, String> {
        let def = &self.resolve.types[id];
        let name = def.name.as_deref().ok_or("an anonymous type has no path")?;
        let segments: &[String] = match def.owner {
            TypeOwner::Interface(i) => self.home(i)?,
            TypeOwner::World(_) | TypeOwner::None => &[],
        };
        let root = root(depth);
        let segments = segments.iter().map(|s| ident(s));
        let name = ident(&camel(name));
        Ok(quote!(#root #(#segments ::)* #name))
    }

    /// Follows type aliases (`use`, `type a = b`) to the type they name.
    pub(crate) fn unalias(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(wit_parser::Type::Id(next)) = self.resolve.types[id].kind {
            id = next;
        }
        id
    }

    /// Who implements the resource `id`.
    pub(crate) fn side(&self, id: TypeId) -> Side {
        match self.resolve.types[self.unalias(id)].owner {
            TypeOwner::Interface(i) if !self.is_imported(i) => Side::Guest,
            _ => Side::Host,
        }
    }
}

/// `super::` once per level, from a module `depth` levels down back to the root; `self::`
/// at the root itself, so that a generated type never reads as a generic parameter.
pub(crate) fn root(depth: usize) -> TokenStream {
    if depth == 0 {
        return quote!(self::);
    }
    let supers = (0..depth).map(|_| quote!(super::));
    quote!(#(#supers)*)
}

/// An identifier from a name already converted to Rust's conventions.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// `kebab-name` → `kebab_name` (keywords get a trailing `_`).
pub(crate) fn snake(name: &str) -> String {
    let out = name.replace('-', "_").to_lowercase();
    if KEYWORDS.contains(&out.as_str()) {
        out + "_"
    } else {
        out
    }
}

/// `kebab-name` → `KebabName`.
pub(crate) fn camel(name: &str) -> String {
    let out: String = name
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect();
    if out == "Self" {
        out + "_"
    } else {
        out
    }
}

/// The WIT documentation as `#[doc]` attributes, with `extra` lines after it.
pub(crate) fn docs(docs: &Docs, extra: &[&str]) -> TokenStream {
    let lines = docs.contents.iter().flat_map(|c| c.lines()).chain(extra.iter().copied());
    let lines = lines.map(|l| format!(" {}", l.trim_end()));
    quote!(#(#[doc = #lines])*)
}
