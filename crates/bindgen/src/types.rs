//! WIT types as Rust types, and the Rust definitions (with their `ComponentValue`
//! conversions) of the named ones.

use proc_macro2::TokenStream;
use quote::quote;
use wit_parser::{Enum, Flags, Handle, Record, Type, TypeDefKind, TypeId, Variant, WorldItem};

use crate::context::{camel, docs, ident, root, snake, Gen, ModuleTree, Side};

impl Gen<'_> {
    /// Defines every named type of the world: each interface's in its home module, the
    /// world's own at the root.
    ///
    /// # Errors
    /// If a type has no Rust form yet (futures, streams, `error-context`).
    pub(crate) fn generate_types(&self, tree: &mut ModuleTree) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for item in self.world.imports.values().chain(self.world.exports.values()) {
            match item {
                WorldItem::Interface { id, .. } if seen.insert(*id) => {
                    let home = self.home(*id)?.to_vec();
                    for (name, ty) in &self.resolve.interfaces[*id].types {
                        let def = self.type_def(name, *ty, home.len())?;
                        tree.at(&home).extend(def);
                    }
                }
                WorldItem::Type { id, .. } => {
                    let name = self.resolve.types[*id].name.as_deref().unwrap_or_default();
                    let def = self.type_def(name, *id, 0)?;
                    tree.at(&[]).extend(def);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The Rust type of a WIT type, as written in a module `depth` levels below the root.
    ///
    /// # Errors
    /// If the type has no Rust form yet.
    pub(crate) fn rust_type(&self, ty: &Type, depth: usize) -> Result<TokenStream, String> {
        Ok(match ty {
            Type::Bool => quote!(bool),
            Type::U8 => quote!(u8),
            Type::U16 => quote!(u16),
            Type::U32 => quote!(u32),
            Type::U64 => quote!(u64),
            Type::S8 => quote!(i8),
            Type::S16 => quote!(i16),
            Type::S32 => quote!(i32),
            Type::S64 => quote!(i64),
            Type::F32 => quote!(f32),
            Type::F64 => quote!(f64),
            Type::Char => quote!(char),
            Type::String => quote!(::std::string::String),
            Type::ErrorContext => return Err(unsupported("error-context")),
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                if def.name.is_some() {
                    return self.type_path(*id, depth);
                }
                self.anonymous_type(&def.kind, depth)?
            }
        })
    }

    /// The Rust form of a type written in place (`list<u8>`, `option<T>`, `own<r>`, ...).
    fn anonymous_type(&self, kind: &TypeDefKind, depth: usize) -> Result<TokenStream, String> {
        let ty = |t: &Type| self.rust_type(t, depth);
        let or_unit = |t: &Option<Type>| t.as_ref().map_or(Ok(quote!(())), ty);
        Ok(match kind {
            TypeDefKind::List(t) => {
                let t = ty(t)?;
                quote!(::std::vec::Vec<#t>)
            }
            TypeDefKind::Option(t) => {
                let t = ty(t)?;
                quote!(::core::option::Option<#t>)
            }
            TypeDefKind::Result(r) => {
                let (ok, err) = (or_unit(&r.ok)?, or_unit(&r.err)?);
                quote!(::core::result::Result<#ok, #err>)
            }
            TypeDefKind::Tuple(t) => {
                // tessera-component converts tuples of up to 8 values.
                if t.types.len() > 8 {
                    return Err(unsupported("a tuple of more than 8 values"));
                }
                let ts = t.types.iter().map(ty).collect::<Result<Vec<_>, _>>()?;
                quote!((#(#ts,)*))
            }
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => match self.side(*r) {
                Side::Host => {
                    let root = root(depth);
                    let marker = self.type_path(self.unalias(*r), depth)?;
                    quote!(#root Resource<#marker>)
                }
                Side::Guest => quote!(::tessera_component::ResourceAny),
            },
            TypeDefKind::Type(t) => ty(t)?,
            // Map keys are primitives or strings, all `Ord`.
            TypeDefKind::Map(k, v) => {
                let (k, v) = (ty(k)?, ty(v)?);
                quote!(::std::collections::BTreeMap<#k, #v>)
            }
            TypeDefKind::FixedLengthList(t, n) => {
                let (t, n) = (ty(t)?, *n as usize);
                quote!([#t; #n])
            }
            TypeDefKind::Future(_) => return Err(unsupported("future<T>")),
            TypeDefKind::Stream(_) => return Err(unsupported("stream<T>")),
            TypeDefKind::Record(_)
            | TypeDefKind::Resource
            | TypeDefKind::Flags(_)
            | TypeDefKind::Variant(_)
            | TypeDefKind::Enum(_)
            | TypeDefKind::Unknown => return Err(format!("an anonymous {} type", kind.as_str())),
        })
    }

    /// Whether a value of this type holds a host resource handle (which is not `Clone`).
    pub(crate) fn has_host_handle(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        let any = |ts: Vec<&Type>| ts.into_iter().any(|t| self.has_host_handle(t));
        match &self.resolve.types[*id].kind {
            TypeDefKind::Record(r) => any(r.fields.iter().map(|f| &f.ty).collect()),
            TypeDefKind::Variant(v) => any(v.cases.iter().filter_map(|c| c.ty.as_ref()).collect()),
            TypeDefKind::Tuple(t) => any(t.types.iter().collect()),
            TypeDefKind::Result(r) => any(r.ok.iter().chain(r.err.iter()).collect()),
            TypeDefKind::Option(t)
            | TypeDefKind::List(t)
            | TypeDefKind::FixedLengthList(t, _)
            | TypeDefKind::Type(t) => self.has_host_handle(t),
            TypeDefKind::Map(k, v) => any(vec![k, v]),
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => self.side(*r) == Side::Host,
            _ => false,
        }
    }

    /// The definition of the named type `id`, in a module `depth` levels down.
    fn type_def(&self, name: &str, id: TypeId, depth: usize) -> Result<TokenStream, String> {
        let def = &self.resolve.types[id];
        let doc = docs(&def.docs, &[]);
        let rust_name = ident(&camel(name));
        let this = Type::Id(id);
        // Host handles are not `Clone`: cloning one would not clone the resource.
        let derive = if self.has_host_handle(&this) {
            quote!(#[derive(Debug, PartialEq)])
        } else {
            quote!(#[derive(Clone, Debug, PartialEq)])
        };
        let (item, conversion) = match &def.kind {
            TypeDefKind::Record(r) => self.record(name, r, depth)?,
            TypeDefKind::Variant(v) => self.variant(name, v, depth)?,
            TypeDefKind::Enum(e) => enumeration(name, e),
            TypeDefKind::Flags(f) => flags(name, f),
            TypeDefKind::Resource => {
                let item = match self.side(id) {
                    Side::Host => quote! {
                        /// The marker type of a resource the host implements: handles to it are
                        /// `Resource<` this type `>`.
                        pub enum #rust_name {}
                    },
                    Side::Guest => quote! {
                        /// A resource the component implements; the host holds handles to it.
                        pub type #rust_name = ::tessera_component::ResourceAny;
                    },
                };
                return Ok(quote!(#doc #item));
            }
            // Aliases (`type a = b`, `use iface.{a}`) and named structural types.
            kind => {
                let target = match kind {
                    TypeDefKind::Type(t) => self.rust_type(t, depth)?,
                    kind => self.anonymous_type(kind, depth)?,
                };
                return Ok(quote!(#doc pub type #rust_name = #target;));
            }
        };
        let derive = match &def.kind {
            TypeDefKind::Enum(_) => quote!(#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]),
            TypeDefKind::Flags(_) => quote!(#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]),
            _ => derive,
        };
        Ok(quote! {
            #doc
            #derive
            #item
            impl ::tessera_component::ComponentValue for #rust_name {
                #conversion
            }
        })
    }

    fn record(&self, name: &str, r: &Record, depth: usize) -> Result<(TokenStream, TokenStream), String> {
        let rust_name = ident(&camel(name));
        let root = root(depth);
        let fields = r.fields.iter().map(|f| ident(&snake(&f.name))).collect::<Vec<_>>();
        let wit_fields = r.fields.iter().map(|f| f.name.as_str());
        let types = r.fields.iter().map(|f| self.rust_type(&f.ty, depth)).collect::<Result<Vec<_>, _>>()?;
        let field_docs = r.fields.iter().map(|f| docs(&f.docs, &[]));
        let want = format!("record {name}");
        let item = quote! {
            pub struct #rust_name {
                #(#field_docs pub #fields: #types,)*
            }
        };
        let wit_fields2 = wit_fields.clone();
        let conversion = quote! {
            fn into_val(self) -> ::tessera_component::Val {
                ::tessera_component::Val::Record(::std::vec![
                    #((#wit_fields.into(), ::tessera_component::ComponentValue::into_val(self.#fields)),)*
                ])
            }
            fn from_val(v: ::tessera_component::Val) -> ::tessera_component::Result<Self> {
                match v {
                    ::tessera_component::Val::Record(fields) => {
                        let mut fields = fields.into_iter();
                        Ok(Self { #(#fields: #root __bindgen::field(&mut fields, #wit_fields2)?,)* })
                    }
                    other => Err(#root __bindgen::mismatch(#want, &other)),
                }
            }
        };
        Ok((item, conversion))
    }

    fn variant(&self, name: &str, v: &Variant, depth: usize) -> Result<(TokenStream, TokenStream), String> {
        let rust_name = ident(&camel(name));
        let root = root(depth);
        let want = format!("variant {name}");
        let (mut cases, mut into, mut from) = (Vec::new(), Vec::new(), Vec::new());
        for case in &v.cases {
            let case_name = ident(&camel(&case.name));
            let wit = case.name.as_str();
            let doc = docs(&case.docs, &[]);
            match &case.ty {
                Some(ty) => {
                    let ty = self.rust_type(ty, depth)?;
                    cases.push(quote!(#doc #case_name(#ty)));
                    into.push(quote! {
                        Self::#case_name(payload) => ::tessera_component::Val::Variant(
                            #wit.into(),
                            Some(::std::boxed::Box::new(::tessera_component::ComponentValue::into_val(payload))),
                        )
                    });
                    from.push(quote! {
                        (#wit, Some(payload)) => Ok(Self::#case_name(::tessera_component::ComponentValue::from_val(*payload)?))
                    });
                }
                None => {
                    cases.push(quote!(#doc #case_name));
                    into.push(
                        quote!(Self::#case_name => ::tessera_component::Val::Variant(#wit.into(), None)),
                    );
                    from.push(quote!((#wit, None) => Ok(Self::#case_name)));
                }
            }
        }
        let item = quote!(pub enum #rust_name { #(#cases,)* });
        let conversion = quote! {
            fn into_val(self) -> ::tessera_component::Val {
                match self { #(#into,)* }
            }
            fn from_val(v: ::tessera_component::Val) -> ::tessera_component::Result<Self> {
                match v {
                    ::tessera_component::Val::Variant(case, payload) => match (case.as_str(), payload) {
                        #(#from,)*
                        (case, _) => Err(::tessera_component::Error::TypeMismatch(
                            ::std::format!("type mismatch: `{case}` is not a case of {} (or its payload is wrong)", #want),
                        )),
                    },
                    other => Err(#root __bindgen::mismatch(#want, &other)),
                }
            }
        };
        Ok((item, conversion))
    }
}

fn enumeration(name: &str, e: &Enum) -> (TokenStream, TokenStream) {
    let rust_name = ident(&camel(name));
    let cases = e.cases.iter().map(|c| ident(&camel(&c.name))).collect::<Vec<_>>();
    let case_docs = e.cases.iter().map(|c| docs(&c.docs, &[]));
    let wit = e.cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>();
    let want = format!("enum {name}");
    let item = quote!(pub enum #rust_name { #(#case_docs #cases,)* });
    let conversion = quote! {
        fn into_val(self) -> ::tessera_component::Val {
            ::tessera_component::Val::Enum(match self { #(Self::#cases => #wit,)* }.into())
        }
        fn from_val(v: ::tessera_component::Val) -> ::tessera_component::Result<Self> {
            let case = match v {
                ::tessera_component::Val::Enum(case) => case,
                other => return Err(::tessera_component::Error::TypeMismatch(
                    ::std::format!("type mismatch: expected {}, got a {} value", #want, other.kind()),
                )),
            };
            match case.as_str() {
                #(#wit => Ok(Self::#cases),)*
                case => Err(::tessera_component::Error::TypeMismatch(
                    ::std::format!("type mismatch: `{case}` is not a case of {}", #want),
                )),
            }
        }
    };
    (item, conversion)
}

/// Flags as a struct of `bool`s, one per flag (no bit-set type: the value crosses as the
/// names of the flags that are set anyway).
fn flags(name: &str, f: &Flags) -> (TokenStream, TokenStream) {
    let rust_name = ident(&camel(name));
    let fields = f.flags.iter().map(|f| ident(&snake(&f.name))).collect::<Vec<_>>();
    let field_docs = f.flags.iter().map(|f| docs(&f.docs, &[]));
    let wit = f.flags.iter().map(|f| f.name.as_str()).collect::<Vec<_>>();
    let want = format!("flags {name}");
    let item = quote!(pub struct #rust_name { #(#field_docs pub #fields: bool,)* });
    let conversion = quote! {
        fn into_val(self) -> ::tessera_component::Val {
            let mut set = ::std::vec::Vec::new();
            #(if self.#fields { set.push(#wit.into()); })*
            ::tessera_component::Val::Flags(set)
        }
        fn from_val(v: ::tessera_component::Val) -> ::tessera_component::Result<Self> {
            let names = match v {
                ::tessera_component::Val::Flags(names) => names,
                other => return Err(::tessera_component::Error::TypeMismatch(
                    ::std::format!("type mismatch: expected {}, got a {} value", #want, other.kind()),
                )),
            };
            let mut out = Self::default();
            for name in names {
                match name.as_str() {
                    #(#wit => out.#fields = true,)*
                    name => return Err(::tessera_component::Error::TypeMismatch(
                        ::std::format!("type mismatch: `{name}` is not a flag of {}", #want),
                    )),
                }
            }
            Ok(out)
        }
    };
    (item, conversion)
}

fn unsupported(what: &str) -> String {
    format!("unsupported WIT type {what}: tessera-component has no value for it yet")
}
