//! Rust types as component values: host functions and calls with typed signatures.

use crate::error::{Error, Result};
use crate::func::Func;
use crate::values::{ResourceAny, Val};

fn mismatch(want: &str, got: &Val) -> Error {
    Error::TypeMismatch(format!("type mismatch: expected {want}, got a {} value", got.kind()))
}

/// A Rust type that converts to and from a component value.
pub trait ComponentValue: Sized {
    fn into_val(self) -> Val;

    /// # Errors
    /// If `v` is not a value of this type.
    fn from_val(v: Val) -> Result<Self>;

    /// As a payload of a variant case (`()` is "no payload").
    #[doc(hidden)]
    fn into_payload(self) -> Option<Box<Val>> {
        Some(Box::new(self.into_val()))
    }

    #[doc(hidden)]
    fn from_payload(v: Option<Box<Val>>) -> Result<Self> {
        match v {
            Some(v) => Self::from_val(*v),
            None => Err(Error::TypeMismatch("type mismatch: a payload is missing".into())),
        }
    }
}

macro_rules! scalar {
    ($($t:ty => $v:ident),*) => {$(
        impl ComponentValue for $t {
            fn into_val(self) -> Val {
                Val::$v(self)
            }
            fn from_val(v: Val) -> Result<Self> {
                match v {
                    Val::$v(x) => Ok(x),
                    other => Err(mismatch(stringify!($t), &other)),
                }
            }
        }
    )*};
}

scalar!(bool => Bool, i8 => S8, u8 => U8, i16 => S16, u16 => U16, i32 => S32, u32 => U32, i64 => S64,
    u64 => U64, f32 => Float32, f64 => Float64, char => Char, String => String, ResourceAny => Resource);

impl ComponentValue for () {
    fn into_val(self) -> Val {
        Val::Tuple(Vec::new())
    }
    fn from_val(v: Val) -> Result<Self> {
        match v {
            Val::Tuple(vs) if vs.is_empty() => Ok(()),
            other => Err(mismatch("()", &other)),
        }
    }
    fn into_payload(self) -> Option<Box<Val>> {
        None
    }
    fn from_payload(v: Option<Box<Val>>) -> Result<Self> {
        match v {
            None => Ok(()),
            Some(v) => Err(mismatch("no payload", &v)),
        }
    }
}

impl<T: ComponentValue> ComponentValue for Vec<T> {
    fn into_val(self) -> Val {
        Val::List(self.into_iter().map(T::into_val).collect())
    }
    fn from_val(v: Val) -> Result<Self> {
        match v {
            Val::List(vs) => vs.into_iter().map(T::from_val).collect(),
            other => Err(mismatch("list", &other)),
        }
    }
}

/// `list<T, N>`.
impl<T: ComponentValue, const N: usize> ComponentValue for [T; N] {
    fn into_val(self) -> Val {
        Val::List(self.into_iter().map(T::into_val).collect())
    }
    fn from_val(v: Val) -> Result<Self> {
        match v {
            Val::List(vs) if vs.len() == N => {
                let items = vs.into_iter().map(T::from_val).collect::<Result<Vec<T>>>()?;
                Ok(items.try_into().unwrap_or_else(|_| unreachable!("the length was checked")))
            }
            other => Err(mismatch(&format!("list of length {N}"), &other)),
        }
    }
}

/// Collects a map's entries; a repeated key keeps its last value, as WAVE reads one.
fn map_from_val<M: FromIterator<(K, V)>, K: ComponentValue, V: ComponentValue>(v: Val) -> Result<M> {
    match v {
        Val::Map(entries) => {
            entries.into_iter().map(|(k, v)| Ok((K::from_val(k)?, V::from_val(v)?))).collect()
        }
        other => Err(mismatch("map", &other)),
    }
}

/// `map<K, V>` with its entries in key order.
impl<K: ComponentValue + Ord, V: ComponentValue> ComponentValue for std::collections::BTreeMap<K, V> {
    fn into_val(self) -> Val {
        Val::Map(self.into_iter().map(|(k, v)| (k.into_val(), v.into_val())).collect())
    }
    fn from_val(v: Val) -> Result<Self> {
        map_from_val(v)
    }
}

/// `map<K, V>` (its entries in the hash map's order).
impl<K: ComponentValue + Eq + std::hash::Hash, V: ComponentValue> ComponentValue
    for std::collections::HashMap<K, V>
{
    fn into_val(self) -> Val {
        Val::Map(self.into_iter().map(|(k, v)| (k.into_val(), v.into_val())).collect())
    }
    fn from_val(v: Val) -> Result<Self> {
        map_from_val(v)
    }
}

impl<T: ComponentValue> ComponentValue for Option<T> {
    fn into_val(self) -> Val {
        Val::Option(self.map(|v| Box::new(v.into_val())))
    }
    fn from_val(v: Val) -> Result<Self> {
        match v {
            Val::Option(p) => p.map(|p| T::from_val(*p)).transpose(),
            other => Err(mismatch("option", &other)),
        }
    }
}

impl<T: ComponentValue, E: ComponentValue> ComponentValue for std::result::Result<T, E> {
    fn into_val(self) -> Val {
        Val::Result(self.map(T::into_payload).map_err(E::into_payload))
    }
    fn from_val(v: Val) -> Result<Self> {
        match v {
            Val::Result(Ok(p)) => Ok(Ok(T::from_payload(p)?)),
            Val::Result(Err(p)) => Ok(Err(E::from_payload(p)?)),
            other => Err(mismatch("result", &other)),
        }
    }
}

/// A tuple of Rust values as a function's parameters.
pub trait ComponentParams: Sized + 'static {
    /// # Errors
    /// If the values do not have these types.
    fn from_vals(vals: &[Val]) -> Result<Self>;
    fn into_vals(self) -> Vec<Val>;
}

/// A function's results in Rust: `()` for none, `(R,)` for one.
pub trait ComponentResults: Sized + 'static {
    /// # Errors
    /// If `out` has no room for the results.
    fn into_vals(self, out: &mut [Val]) -> Result<()>;
    /// # Errors
    /// If the values do not have these types.
    fn from_vals(vals: Vec<Val>) -> Result<Self>;
    fn len() -> usize;
}

impl ComponentResults for () {
    fn into_vals(self, _out: &mut [Val]) -> Result<()> {
        Ok(())
    }
    fn from_vals(_vals: Vec<Val>) -> Result<Self> {
        Ok(())
    }
    fn len() -> usize {
        0
    }
}

impl<R: ComponentValue + 'static> ComponentResults for (R,) {
    fn into_vals(self, out: &mut [Val]) -> Result<()> {
        let slot = out.first_mut().ok_or_else(|| Error::TypeMismatch("the function has no result".into()))?;
        *slot = self.0.into_val();
        Ok(())
    }
    fn from_vals(vals: Vec<Val>) -> Result<Self> {
        let v = vals
            .into_iter()
            .next()
            .ok_or_else(|| Error::TypeMismatch("the function has no result".into()))?;
        Ok((R::from_val(v)?,))
    }
    fn len() -> usize {
        1
    }
}

macro_rules! tuples {
    ($(($($n:ident),*)),*) => {$(
        #[allow(non_snake_case)]
        impl<$($n: ComponentValue + 'static),*> ComponentParams for ($($n,)*) {
            fn from_vals(vals: &[Val]) -> Result<Self> {
                let mut it = vals.iter().cloned();
                let want = [$(stringify!($n)),*].len();
                if vals.len() != want {
                    return Err(Error::TypeMismatch(format!("expected {want} arguments, got {}", vals.len())));
                }
                Ok(($($n::from_val(it.next().expect("length checked"))?,)*))
            }
            fn into_vals(self) -> Vec<Val> {
                let ($($n,)*) = self;
                vec![$($n.into_val()),*]
            }
        }

        #[allow(non_snake_case)]
        impl<$($n: ComponentValue),*> ComponentValue for ($($n,)*) {
            fn into_val(self) -> Val {
                let ($($n,)*) = self;
                Val::Tuple(vec![$($n.into_val()),*])
            }
            fn from_val(v: Val) -> Result<Self> {
                match v {
                    Val::Tuple(vs) if vs.len() == [$(stringify!($n)),*].len() => {
                        let mut it = vs.into_iter();
                        Ok(($($n::from_val(it.next().expect("length checked"))?,)*))
                    }
                    other => Err(mismatch("tuple", &other)),
                }
            }
        }
    )*};
}

tuples!(
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
    (A, B, C, D, E, F, G),
    (A, B, C, D, E, F, G, H)
);

impl ComponentParams for () {
    fn from_vals(vals: &[Val]) -> Result<Self> {
        if vals.is_empty() {
            Ok(())
        } else {
            Err(Error::TypeMismatch(format!("expected no arguments, got {}", vals.len())))
        }
    }
    fn into_vals(self) -> Vec<Val> {
        Vec::new()
    }
}

/// A component function called with Rust values.
pub struct TypedFunc<P, R> {
    func: Func,
    _marker: std::marker::PhantomData<fn(P) -> R>,
}

impl Func {
    /// A typed view of this function; the types are checked on each call.
    pub fn typed<P: ComponentParams, R: ComponentResults>(&self) -> TypedFunc<P, R> {
        TypedFunc { func: self.clone(), _marker: std::marker::PhantomData }
    }
}

impl<P: ComponentParams, R: ComponentResults> TypedFunc<P, R> {
    /// # Errors
    /// As [`Func::call`], and if the values do not convert.
    pub fn call<T: 'static>(&self, store: &mut tessera_engine::Store<T>, params: P) -> Result<R> {
        let mut out = vec![Val::Bool(false); R::len()];
        self.func.call(store, &params.into_vals(), &mut out)?;
        R::from_vals(out)
    }
}
