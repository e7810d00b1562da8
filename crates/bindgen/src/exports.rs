//! The host side of a world's exports: the world's struct (instantiation, typed calls of the
//! world's own exports) and a `Guest` struct per exported interface, with a `Guest<Resource>`
//! struct per resource it exports.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use wit_parser::{Function, FunctionKind, Handle, Type, TypeDefKind, WorldItem};

use crate::context::{camel, docs, ident, root, snake, Gen, ModuleTree, Side};
use crate::imports::Imports;

/// The struct fields, their look-ups and the typed calls of one group of exported functions.
#[derive(Default)]
struct Calls {
    fields: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    methods: Vec<TokenStream>,
}

impl Gen<'_> {
    /// Generates the world's struct and the exported interfaces' `Guest` structs.
    ///
    /// # Errors
    /// If a function mentions a type with no Rust form yet.
    pub(crate) fn generate_exports(&self, tree: &mut ModuleTree, imports: &Imports) -> Result<(), String> {
        let world_name = ident(&camel(&self.world.name));
        let mut calls = Calls::default();
        for item in self.world.exports.values() {
            if let WorldItem::Function(f) = item {
                self.export_function(&mut calls, f, None, 0)?;
            }
        }
        for (key, item) in &self.world.exports {
            let WorldItem::Interface { id, .. } = item else { continue };
            let name = self.resolve.name_world_key(key);
            let mut module = vec!["exports".to_string()];
            module.extend(self.interface_module(key, *id));
            let guest = self.exported_interface(&name, *id, module.len())?;
            tree.at(&module).extend(guest);
            let accessor = ident(&module[1..].join("_"));
            let field = format_ident!("iface_{}", accessor);
            let segments = module.iter().map(|s| ident(s)).collect::<Vec<_>>();
            let doc = format!(" The exported interface `{name}`.");
            calls.fields.push(quote!(#field: self::#(#segments::)* Guest));
            calls.inits.push(quote!(#field: self::#(#segments::)* Guest::new(instance)?));
            calls.methods.push(quote! {
                #[doc = #doc]
                pub fn #accessor(&self) -> &self::#(#segments::)* Guest {
                    &self.#field
                }
            });
        }
        let add_to_linker = (!imports.bounds.is_empty()).then(|| {
            let bounds = &imports.bounds;
            let register = &imports.register;
            quote! {
                /// Defines every import of the world in `linker`, implemented by the `U` that
                /// `get` finds in the store's data.
                ///
                /// # Errors
                /// If `linker` already defines one of them.
                pub fn add_to_linker<T: 'static, U: #(#bounds +)* 'static>(
                    linker: &mut ::tessera_component::Linker<T>,
                    get: fn(&mut T) -> &mut U,
                ) -> ::tessera_component::Result<()> {
                    #register
                    Ok(())
                }
            }
        });
        let doc = docs(&self.world.docs, &["", "The exports of an instance of the world, as typed calls."]);
        let Calls { fields, inits, methods } = calls;
        tree.at(&[]).extend(quote! {
            #doc
            #[allow(clippy::all, dead_code)]
            pub struct #world_name {
                instance: ::tessera_component::Instance,
                #(#fields,)*
            }

            #[allow(clippy::all, dead_code)]
            impl #world_name {
                /// Instantiates `component` with the imports `linker` defines, then looks up
                /// the world's exports in the instance.
                ///
                /// # Errors
                /// If instantiation fails (a missing import, a trap in start-up code), or
                /// the component lacks one of the world's exports.
                pub fn instantiate<T: 'static>(
                    store: &mut ::tessera_engine::Store<T>,
                    component: &::tessera_component::Component,
                    linker: &::tessera_component::Linker<T>,
                ) -> ::tessera_component::Result<Self> {
                    let instance = linker.instantiate(store, component)?;
                    Self::new(&instance)
                }

                /// Looks up the world's exports in an instance.
                ///
                /// # Errors
                /// If the instance lacks one of them.
                pub fn new(instance: &::tessera_component::Instance) -> ::tessera_component::Result<Self> {
                    Ok(Self { instance: instance.clone(), #(#inits,)* })
                }

                /// The instance the exports are looked up in.
                pub fn instance(&self) -> &::tessera_component::Instance {
                    &self.instance
                }

                #add_to_linker
                #(#methods)*
            }
        });
        Ok(())
    }

    /// The `Guest` struct of the exported interface `name`, and a `Guest<Resource>` struct
    /// per resource, in a module `depth` levels down.
    fn exported_interface(
        &self,
        name: &str,
        id: wit_parser::InterfaceId,
        depth: usize,
    ) -> Result<TokenStream, String> {
        let iface = &self.resolve.interfaces[id];
        let mut calls = Calls::default();
        let mut items = TokenStream::new();
        for f in iface.functions.values().filter(|f| f.kind.resource().is_none()) {
            self.export_function(&mut calls, f, Some(name), depth)?;
        }
        for (wit_name, ty) in &iface.types {
            if !matches!(self.resolve.types[*ty].kind, TypeDefKind::Resource) {
                continue;
            }
            let struct_name = format_ident!("Guest{}", camel(wit_name));
            let mut resource_calls = Calls::default();
            for f in iface.functions.values().filter(|f| f.kind.resource() == Some(*ty)) {
                self.export_function(&mut resource_calls, f, Some(name), depth)?;
            }
            let Calls { fields, inits, methods } = resource_calls;
            let doc = format!(" The functions of the resource `{wit_name}` that `{name}` exports.");
            items.extend(quote! {
                #[doc = #doc]
                #[allow(clippy::all, dead_code)]
                pub struct #struct_name {
                    #(#fields,)*
                }

                #[allow(clippy::all, dead_code)]
                impl #struct_name {
                    fn new(instance: &::tessera_component::Instance) -> ::tessera_component::Result<Self> {
                        Ok(Self { #(#inits,)* })
                    }

                    #(#methods)*
                }
            });
            let field = format_ident!("resource_{}", snake(wit_name));
            let accessor = ident(&snake(wit_name));
            let doc = format!(" The functions of the resource `{wit_name}`.");
            calls.fields.push(quote!(#field: #struct_name));
            calls.inits.push(quote!(#field: #struct_name::new(instance)?));
            calls.methods.push(quote! {
                #[doc = #doc]
                pub fn #accessor(&self) -> &#struct_name {
                    &self.#field
                }
            });
        }
        let Calls { fields, inits, methods } = calls;
        let doc = format!(" The functions of `{name}` an instance exports, as typed calls.");
        items.extend(quote! {
            #[doc = #doc]
            #[allow(clippy::all, dead_code)]
            pub struct Guest {
                #(#fields,)*
            }

            #[allow(clippy::all, dead_code)]
            impl Guest {
                /// Looks up the interface's functions in an instance.
                ///
                /// # Errors
                /// If the instance lacks one of them.
                pub fn new(instance: &::tessera_component::Instance) -> ::tessera_component::Result<Self> {
                    Ok(Self { #(#inits,)* })
                }

                #(#methods)*
            }
        });
        Ok(items)
    }

    /// Adds one exported function to `calls`: a `Func` field, its look-up (in the exported
    /// instance `within`, or at the top level) and its typed `call_` method.
    fn export_function(
        &self,
        calls: &mut Calls,
        f: &Function,
        within: Option<&str>,
        depth: usize,
    ) -> Result<(), String> {
        let root = root(depth);
        let short = match f.kind {
            FunctionKind::Constructor(_) => "constructor".to_string(),
            _ => snake(f.item_name()),
        };
        let field = format_ident!("func_{}", short.trim_end_matches('_'));
        let call = format_ident!("call_{}", short.trim_end_matches('_'));
        let wit_name = &f.name;
        let within = match within {
            Some(w) => quote!(Some(#w)),
            None => quote!(None),
        };
        calls.fields.push(quote!(#field: ::tessera_component::Func));
        calls.inits.push(quote!(#field: #root __bindgen::export(instance, #within, #wit_name)?));
        calls.methods.push(self.export_call(f, &field, &call, depth)?);
        Ok(())
    }

    /// `call_<name>(&self, store, args...) -> Result<R>`.
    fn export_call(
        &self,
        f: &Function,
        field: &Ident,
        call: &Ident,
        depth: usize,
    ) -> Result<TokenStream, String> {
        let root = root(depth);
        let (mut names, mut types, mut conversions) = (Vec::new(), Vec::new(), Vec::new());
        for p in &f.params {
            let name = match snake(&p.name).as_str() {
                "store" => ident("store_"),
                other => ident(other),
            };
            // A borrow needs no handle of its own: the caller lends the one it holds.
            let borrowed = match p.ty {
                Type::Id(id) => match self.resolve.types[id].kind {
                    TypeDefKind::Handle(Handle::Borrow(r)) => Some(r),
                    _ => None,
                },
                _ => None,
            };
            match borrowed {
                Some(r) if self.side(r) == Side::Guest => {
                    types.push(quote!(&::tessera_component::ResourceAny));
                    conversions.push(quote!(::tessera_component::Val::Resource(#name.clone())));
                }
                Some(r) => {
                    let marker = self.type_path(self.unalias(r), depth)?;
                    types.push(quote!(&#root Resource<#marker>));
                    conversions.push(quote!(::tessera_component::ComponentValue::into_val(#name.borrowed())));
                }
                None => {
                    types.push(self.rust_type(&p.ty, depth)?);
                    conversions.push(quote!(::tessera_component::ComponentValue::into_val(#name)));
                }
            }
            names.push(name);
        }
        let count = f.params.len();
        let result = f.result.as_ref().map_or(Ok(quote!(())), |t| self.rust_type(t, depth))?;
        let body = if f.result.is_some() {
            quote! {
                let mut results = [::tessera_component::Val::Bool(false)];
                self.#field.call(store, &params, &mut results)?;
                let [result] = results;
                <#result as ::tessera_component::ComponentValue>::from_val(result)
            }
        } else {
            quote!(self.#field.call(store, &params, &mut []))
        };
        let async_note: &[&str] = if f.kind.is_async() {
            &["", "The WIT function is `async`; this call is synchronous until the runtime runs async functions."]
        } else {
            &[]
        };
        let doc = docs(&f.docs, async_note);
        let call_doc = format!(" Calls `{}`.", f.name);
        Ok(quote! {
            #[doc = #call_doc]
            #doc
            ///
            /// # Errors
            /// If the guest traps, or a value does not have the function's type.
            pub fn #call<T: 'static>(
                &self,
                store: &mut ::tessera_engine::Store<T>,
                #(#names: #types),*
            ) -> ::tessera_component::Result<#result> {
                let params: [::tessera_component::Val; #count] = [#(#conversions),*];
                #body
            }
        })
    }
}
