//! Items every expansion carries at its root: the typed host-resource handle and the small
//! conversion helpers the rest of the generated code calls.

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn items() -> TokenStream {
    quote! {
        /// A typed handle to a resource the host implements: the representation the host
        /// chose for it (an index into its own table, say), and whether this handle owns
        /// it or borrows it for the length of one call. `T` is the resource's marker type.
        #[allow(dead_code)]
        pub struct Resource<T: 'static> {
            rep: u32,
            owned: bool,
            _marker: ::core::marker::PhantomData<fn() -> T>,
        }

        #[allow(dead_code)]
        impl<T: 'static> Resource<T> {
            /// An owned handle to the host's resource `rep`.
            pub fn new_own(rep: u32) -> Self {
                Resource { rep, owned: true, _marker: ::core::marker::PhantomData }
            }

            /// A borrowed handle to the host's resource `rep`.
            pub fn new_borrow(rep: u32) -> Self {
                Resource { rep, owned: false, _marker: ::core::marker::PhantomData }
            }

            /// The host's representation of the resource.
            pub fn rep(&self) -> u32 {
                self.rep
            }

            /// Whether this handle owns the resource (rather than borrowing it).
            pub fn owned(&self) -> bool {
                self.owned
            }

            /// A borrowed handle to the same resource.
            pub fn borrowed(&self) -> Self {
                Self::new_borrow(self.rep)
            }

            /// The run-time resource type (the same for every instance).
            pub fn resource_type() -> ::tessera_component::ResourceType {
                ::tessera_component::ResourceType::host::<T>()
            }
        }

        impl<T: 'static> ::core::fmt::Debug for Resource<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct("Resource")
                    .field("type", &::core::any::type_name::<T>())
                    .field("rep", &self.rep)
                    .field("owned", &self.owned)
                    .finish()
            }
        }

        impl<T: 'static> ::core::cmp::PartialEq for Resource<T> {
            fn eq(&self, other: &Self) -> bool {
                self.rep == other.rep && self.owned == other.owned
            }
        }

        impl<T: 'static> ::tessera_component::ComponentValue for Resource<T> {
            fn into_val(self) -> ::tessera_component::Val {
                let ty = Self::resource_type();
                ::tessera_component::Val::Resource(if self.owned {
                    ::tessera_component::ResourceAny::new_own(ty, self.rep)
                } else {
                    ::tessera_component::ResourceAny::new_borrow(ty, self.rep)
                })
            }

            fn from_val(v: ::tessera_component::Val) -> ::tessera_component::Result<Self> {
                match v {
                    ::tessera_component::Val::Resource(r) if *r.ty() == Self::resource_type() => {
                        Ok(Resource { rep: r.rep(), owned: r.owned(), _marker: ::core::marker::PhantomData })
                    }
                    other => Err(__bindgen::mismatch(::core::any::type_name::<T>(), &other)),
                }
            }
        }

        /// Helpers of the generated code.
        #[doc(hidden)]
        #[allow(dead_code)]
        mod __bindgen {
            use ::tessera_component::{ComponentValue, Error, Instance, Func, Result, Val};

            pub(crate) fn mismatch(want: &str, got: &Val) -> Error {
                Error::TypeMismatch(::std::format!("type mismatch: expected {want}, got a {} value", got.kind()))
            }

            /// Argument `index` of a host function.
            pub(crate) fn param<V: ComponentValue>(params: &[Val], index: usize) -> Result<V> {
                match params.get(index) {
                    Some(v) => V::from_val(v.clone()),
                    None => Err(Error::TypeMismatch(::std::format!("argument {index} is missing"))),
                }
            }

            /// Stores a host function's result.
            pub(crate) fn set_result<V: ComponentValue>(results: &mut [Val], v: V) -> Result<()> {
                match results.first_mut() {
                    Some(slot) => {
                        *slot = v.into_val();
                        Ok(())
                    }
                    None => Err(Error::TypeMismatch("the function has no result".into())),
                }
            }

            /// The next field of a record, which must be `name`.
            pub(crate) fn field<V: ComponentValue>(
                fields: &mut ::std::vec::IntoIter<(::std::string::String, Val)>,
                name: &str,
            ) -> Result<V> {
                match fields.next() {
                    Some((n, v)) if n == name => V::from_val(v),
                    _ => Err(Error::TypeMismatch(::std::format!("type mismatch: record field `{name}` is missing"))),
                }
            }

            /// The exported function `name`, in the exported instance `instance` if given.
            pub(crate) fn export(instance: &Instance, within: Option<&str>, name: &str) -> Result<Func> {
                let func = match within {
                    Some(within) => instance.get_func_in(within, name),
                    None => instance.get_func(name),
                };
                func.ok_or_else(|| {
                    Error::TypeMismatch(match within {
                        Some(within) => ::std::format!("the component does not export `{within}#{name}`"),
                        None => ::std::format!("the component does not export `{name}`"),
                    })
                })
            }
        }
    }
}
