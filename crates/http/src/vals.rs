//! Reading a host function's arguments and building its results as component values,
//! failing (never panicking) when a guest's import types differ from the WIT's.

use tessera_component::{ResourceAny, ResourceType, Result, Val};

use crate::ctx::trap;

/// The arguments of one call.
pub(crate) struct Args<'a>(pub &'a [Val]);

impl<'a> Args<'a> {
    fn get(&self, i: usize) -> Result<&'a Val> {
        self.0.get(i).ok_or_else(|| trap(format!("argument {i} is missing")))
    }

    fn mismatch(&self, i: usize, want: &str) -> tessera_component::Error {
        let got = self.0.get(i).map_or("nothing", Val::kind);
        trap(format!("argument {i}: expected {want}, got {got}"))
    }

    /// The `rep` of a handle (own or borrow) to one of the host's resources.
    pub fn rep(&self, i: usize) -> Result<u32> {
        match self.get(i)? {
            Val::Resource(r) => Ok(r.rep()),
            _ => Err(self.mismatch(i, "a resource handle")),
        }
    }

    pub fn str(&self, i: usize) -> Result<&'a str> {
        match self.get(i)? {
            Val::String(s) => Ok(s),
            _ => Err(self.mismatch(i, "a string")),
        }
    }

    pub fn u16(&self, i: usize) -> Result<u16> {
        match self.get(i)? {
            Val::U16(v) => Ok(*v),
            _ => Err(self.mismatch(i, "u16")),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        bytes_of(self.get(i)?).ok_or_else(|| self.mismatch(i, "list<u8>"))
    }

    pub fn list(&self, i: usize) -> Result<&'a [Val]> {
        match self.get(i)? {
            Val::List(l) => Ok(l),
            _ => Err(self.mismatch(i, "a list")),
        }
    }

    pub fn option(&self, i: usize) -> Result<Option<&'a Val>> {
        match self.get(i)? {
            Val::Option(o) => Ok(o.as_deref()),
            _ => Err(self.mismatch(i, "an option")),
        }
    }

    pub fn val(&self, i: usize) -> Result<&'a Val> {
        self.get(i)
    }
}

/// A `list<u8>`'s bytes.
pub(crate) fn bytes_of(v: &Val) -> Option<Vec<u8>> {
    match v {
        Val::List(l) => l.iter().map(|b| if let Val::U8(b) = b { Some(*b) } else { None }).collect(),
        _ => None,
    }
}

/// The `rep` of a handle value.
pub(crate) fn rep_of(v: &Val) -> Result<u32> {
    match v {
        Val::Resource(r) => Ok(r.rep()),
        other => Err(trap(format!("expected a resource handle, got {}", other.kind()))),
    }
}

/// A string value.
pub(crate) fn str_of(v: &Val) -> Result<&str> {
    match v {
        Val::String(s) => Ok(s),
        other => Err(trap(format!("expected a string, got {}", other.kind()))),
    }
}

/// A `list<u8>`.
pub(crate) fn bytes(b: &[u8]) -> Val {
    Val::List(b.iter().map(|&x| Val::U8(x)).collect())
}

/// An owned handle to resource `rep` of the type marked by `R`.
pub(crate) fn own<R: 'static>(rep: u32) -> Val {
    Val::Resource(ResourceAny::new_own(ResourceType::host::<R>(), rep))
}

pub(crate) fn case(name: &str, payload: Option<Val>) -> Val {
    Val::Variant(name.to_string(), payload.map(Box::new))
}
