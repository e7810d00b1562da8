//! The host side of a world's imports: a trait per imported interface (and per imported
//! resource) and the `add_to_linker` functions that define its functions in a `Linker`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use wit_parser::{Function, FunctionKind, TypeDefKind, TypeId, WorldItem};

use crate::context::{camel, docs, ident, root, snake, Gen, ModuleTree};

/// What the world's own `add_to_linker` needs to know about the imports.
#[derive(Default)]
pub(crate) struct Imports {
    /// The traits the host's type must implement, as paths from the root.
    pub(crate) bounds: Vec<TokenStream>,
    /// Statements that define every import in `linker` (with `get` in scope), at the root.
    pub(crate) register: TokenStream,
}

/// The functions and resources of one import scope (an interface, or the world itself).
struct Scope<'r> {
    functions: Vec<&'r Function>,
    /// Resources defined here, by WIT name.
    resources: Vec<(&'r str, TypeId)>,
}

impl Scope<'_> {
    fn is_empty(&self) -> bool {
        self.functions.is_empty() && self.resources.is_empty()
    }
}

impl Gen<'_> {
    /// Generates the traits and `add_to_linker` functions of every import.
    ///
    /// # Errors
    /// If a function mentions a type with no Rust form yet.
    pub(crate) fn generate_imports(&self, tree: &mut ModuleTree) -> Result<Imports, String> {
        let mut imports = Imports::default();
        let world_scope = Scope {
            functions: self
                .world
                .imports
                .values()
                .filter_map(|i| match i {
                    WorldItem::Function(f) => Some(f),
                    _ => None,
                })
                .collect(),
            resources: self
                .world
                .imports
                .values()
                .filter_map(|i| match i {
                    WorldItem::Type { id, .. } => self.resource_name(*id).map(|n| (n, *id)),
                    _ => None,
                })
                .collect(),
        };
        if !world_scope.is_empty() {
            let trait_name = ident(&format!("{}Imports", camel(&self.world.name)));
            let doc = format!(" The functions the world `{}` imports itself.", self.world.name);
            let (items, register) = self.host_scope(&world_scope, &trait_name, quote!(#[doc = #doc]), 0)?;
            tree.at(&[]).extend(items);
            imports.bounds.push(quote!(self::#trait_name));
            imports.register.extend(quote! {
                {
                    let mut inst = linker.root();
                    #register
                }
            });
        }
        for (key, item) in &self.world.imports {
            let WorldItem::Interface { id, docs: item_docs, .. } = item else { continue };
            let iface = &self.resolve.interfaces[*id];
            let scope = Scope {
                functions: iface.functions.values().collect(),
                resources: iface
                    .types
                    .iter()
                    .filter_map(|(_, t)| self.resource_name(*t).map(|n| (n, *t)))
                    .collect(),
            };
            if scope.is_empty() {
                continue;
            }
            let home = self.home(*id)?.to_vec();
            let depth = home.len();
            let name = self.resolve.name_world_key(key);
            let doc =
                if item_docs.contents.is_some() { docs(item_docs, &[]) } else { docs(&iface.docs, &[]) };
            let host = ident("Host");
            let (items, register) = self.host_scope(&scope, &host, doc, depth)?;
            let add_doc =
                format!(" Defines every function and resource of `{name}` in `linker`, implemented by");
            let add = quote! {
                #[doc = #add_doc]
                /// the `U` that `get` finds in the store's data.
                ///
                /// # Errors
                /// If `linker` already defines one of them.
                pub fn add_to_linker<T: 'static, U: Host + 'static>(
                    linker: &mut ::tessera_component::Linker<T>,
                    get: fn(&mut T) -> &mut U,
                ) -> ::tessera_component::Result<()> {
                    let mut inst = linker.instance(#name)?;
                    #register
                    Ok(())
                }
            };
            tree.at(&home).extend(quote!(#items #add));
            let segments = home.iter().map(|s| ident(s));
            imports.bounds.push(quote!(self::#(#segments::)* Host));
            let segments = home.iter().map(|s| ident(s));
            imports.register.extend(quote!(self::#(#segments::)* add_to_linker(linker, get)?;));
        }
        Ok(imports)
    }

    /// The WIT name of `id` if it defines a resource (not an alias of one).
    fn resource_name(&self, id: TypeId) -> Option<&str> {
        let def = &self.resolve.types[id];
        match def.kind {
            TypeDefKind::Resource => def.name.as_deref(),
            _ => None,
        }
    }

    /// The traits of one scope (`trait_name` with a supertrait per resource) and the
    /// statements registering it all in `inst` (a `LinkerInstance`, with `get` in scope).
    fn host_scope(
        &self,
        scope: &Scope<'_>,
        trait_name: &Ident,
        trait_doc: TokenStream,
        depth: usize,
    ) -> Result<(TokenStream, TokenStream), String> {
        let root = root(depth);
        let (mut items, mut register, mut supertraits) = (TokenStream::new(), TokenStream::new(), Vec::new());
        for (wit_name, id) in &scope.resources {
            let resource_trait = format_ident!("Host{}", camel(wit_name));
            let marker = self.type_path(*id, depth)?;
            let mut methods = Vec::new();
            for f in scope.functions.iter().filter(|f| f.kind.resource() == Some(*id)) {
                methods.push(self.host_method(f, depth)?);
                register.extend(self.host_registration(f, &resource_trait, depth)?);
            }
            let doc = format!(" The host's implementation of the resource `{wit_name}`.");
            items.extend(quote! {
                #[doc = #doc]
                #[allow(clippy::all)]
                pub trait #resource_trait {
                    #(#methods)*
                    /// The guest dropped its last owned handle to `rep`: release it.
                    ///
                    /// # Errors
                    /// An error traps the guest that dropped the handle.
                    fn drop(&mut self, rep: #root Resource<#marker>) -> ::tessera_component::Result<()>;
                }
            });
            register.extend(quote! {
                inst.resource::<#marker>(#wit_name, move |store, rep| {
                    <U as self::#resource_trait>::drop(get(store.data_mut()), #root Resource::new_own(rep))
                })?;
            });
            supertraits.push(resource_trait);
        }
        let mut methods = Vec::new();
        for f in scope.functions.iter().filter(|f| f.kind.resource().is_none()) {
            methods.push(self.host_method(f, depth)?);
            register.extend(self.host_registration(f, trait_name, depth)?);
        }
        let supertraits = (!supertraits.is_empty()).then(|| quote!(: #(#supertraits)+*));
        items.extend(quote! {
            #trait_doc
            #[allow(clippy::all)]
            pub trait #trait_name #supertraits {
                #(#methods)*
            }
        });
        Ok((items, register))
    }

    /// A trait method's declaration: the function with Rust types.
    fn host_method(&self, f: &Function, depth: usize) -> Result<TokenStream, String> {
        let name = host_method_name(f);
        let names = f.params.iter().map(|p| ident(&snake(&p.name)));
        let types = f.params.iter().map(|p| self.rust_type(&p.ty, depth)).collect::<Result<Vec<_>, _>>()?;
        let result = f.result.as_ref().map_or(Ok(quote!(())), |t| self.rust_type(t, depth))?;
        let async_note: &[&str] = if f.kind.is_async() {
            &["", "The WIT function is `async`; this binding is synchronous until the runtime runs async functions."]
        } else {
            &[]
        };
        let doc = docs(&f.docs, async_note);
        Ok(quote! {
            #doc
            ///
            /// # Errors
            /// An error traps the calling guest.
            fn #name(&mut self, #(#names: #types),*) -> ::tessera_component::Result<#result>;
        })
    }

    /// `inst.func_new(...)` for one function: converts the arguments out of `Val`s, calls
    /// the trait method on the host's state, converts the result back.
    fn host_registration(
        &self,
        f: &Function,
        trait_name: &Ident,
        depth: usize,
    ) -> Result<TokenStream, String> {
        let root = root(depth);
        let method = host_method_name(f);
        let wit_name = &f.name;
        let vars = (0..f.params.len()).map(|i| format_ident!("arg{i}")).collect::<Vec<_>>();
        let types = f.params.iter().map(|p| self.rust_type(&p.ty, depth)).collect::<Result<Vec<_>, _>>()?;
        let index = 0..f.params.len();
        let params = if f.params.is_empty() { quote!(_params) } else { quote!(params) };
        let results = if f.result.is_some() { quote!(results) } else { quote!(_results) };
        let call = quote!(<U as self::#trait_name>::#method(get(store.data_mut()), #(#vars),*));
        let finish = if f.result.is_some() {
            quote! {
                let result = #call?;
                #root __bindgen::set_result(results, result)
            }
        } else {
            call
        };
        Ok(quote! {
            inst.func_new(#wit_name, move |store, #params, #results| {
                #(let #vars: #types = #root __bindgen::param(params, #index)?;)*
                #finish
            })?;
        })
    }
}

/// `new` for a constructor, the function's own name otherwise (without the resource's).
fn host_method_name(f: &Function) -> Ident {
    match f.kind {
        FunctionKind::Constructor(_) => ident("new"),
        _ => ident(&snake(f.item_name())),
    }
}
