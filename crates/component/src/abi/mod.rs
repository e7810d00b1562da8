//! The Canonical ABI: how component values ([`crate::Val`]) are lowered into a component
//! instance's core values and linear memory, and lifted back out. Follows the reference
//! `definitions.py` of the component-model repository (CanonicalABI.md) function by function:
//! - [`layout`]: sizes, alignments, flattening;
//! - [`lift`]: `lift_flat` / `load` (core values and memory → [`crate::Val`]);
//! - [`lower`]: `lower_flat` / `store` ([`crate::Val`] → core values and memory);
//! - [`string`]: the three string encodings and transcoding between them.
//!
//! Every violation the spec traps on (bad pointer, bad discriminant, invalid `char` or
//! string, bad handle) is a trap here, never a panic.

pub(crate) mod layout;
pub(crate) mod lift;
pub(crate) mod lower;
pub(crate) mod string;

use std::sync::Arc;

use tessera_engine::{Func as CoreFunc, Memory, Store, Val as CoreVal};

use crate::error::{trap, trap_if, Error, Result};
use crate::resources::InstanceState;

/// How strings are encoded in a component's memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum StringEncoding {
    #[default]
    Utf8,
    Utf16,
    /// Latin-1 when every character fits, else UTF-16 with the length's top bit set.
    Latin1Utf16,
}

/// The canonical options of one `canon lift` or `canon lower`.
#[derive(Clone, Default)]
pub(crate) struct Options {
    pub(crate) memory: Option<Memory>,
    pub(crate) realloc: Option<CoreFunc>,
    pub(crate) post_return: Option<CoreFunc>,
    pub(crate) encoding: StringEncoding,
}

/// The spec's `LiftLowerContext`: the store, the options and the instance whose memory and
/// handle table values move through.
pub(crate) struct Cx<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) opts: &'a Options,
    pub(crate) inst: &'a Arc<InstanceState>,
    /// Handles of `inst` lent out as borrows for the running call; released when it ends.
    pub(crate) lenders: Vec<u32>,
    /// Whether the other side of the call is a component instance too (a fused adapter in
    /// the spec's terms) rather than the host. The trap texts differ: the reference tests
    /// match on the adapter's (`unaligned pointer`, `list content out-of-bounds`) and, at
    /// the host boundary, on the host's (`realloc return: result not aligned`).
    pub(crate) fused: bool,
}

/// What a pointer being checked points at, for the trap text.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Region {
    List,
    String,
    /// Spilled parameters or results.
    Spill,
}

impl<'a, T> Cx<'a, T> {
    pub(crate) fn new(
        store: &'a mut Store<T>,
        opts: &'a Options,
        inst: &'a Arc<InstanceState>,
        fused: bool,
    ) -> Self {
        Cx { store, opts, inst, lenders: Vec::new(), fused }
    }

    /// Traps unless `ptr` is a multiple of `align` and `[ptr, ptr + len)` lies in memory,
    /// with the adapter's or the host's text for `region`.
    pub(crate) fn check_range(&self, ptr: u32, align: u32, len: u64, region: Region) -> Result<()> {
        let unaligned = match (self.fused, region) {
            (true, _) => "unaligned pointer",
            (false, Region::List) => "list pointer not aligned",
            (false, Region::String) => "string pointer not aligned",
            (false, Region::Spill) => "pointer not aligned",
        };
        trap_if(ptr % align != 0, unaligned)?;
        let out_of_bounds = match (self.fused, region) {
            (true, Region::List) => "list content out-of-bounds",
            (true, Region::String) => "string content out-of-bounds",
            (false, Region::List) => "list pointer/length out of bounds of memory",
            (false, Region::String) => "string pointer/length out of bounds of memory",
            (_, Region::Spill) => "pointer out of bounds of memory",
        };
        trap_if(u64::from(ptr) + len > self.memory_len()?, out_of_bounds)
    }

    fn memory(&self) -> Result<Memory> {
        self.opts
            .memory
            .ok_or_else(|| Error::InvalidComponent("a canonical function needs the `memory` option".into()))
    }

    pub(crate) fn memory_len(&self) -> Result<u64> {
        Ok(self.memory()?.data(self.store).len() as u64)
    }

    /// The bytes `[ptr, ptr + len)`, or an out-of-bounds trap.
    pub(crate) fn bytes(&self, ptr: u32, len: u32) -> Result<&[u8]> {
        let mem = self.memory()?.data(self.store);
        let end = u64::from(ptr) + u64::from(len);
        trap_if(end > mem.len() as u64, "out of bounds memory access")?;
        Ok(&mem[ptr as usize..end as usize])
    }

    pub(crate) fn bytes_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8]> {
        let mem = self.memory()?.data_mut(self.store);
        let end = u64::from(ptr) + u64::from(len);
        trap_if(end > mem.len() as u64, "out of bounds memory access")?;
        Ok(&mut mem[ptr as usize..end as usize])
    }

    pub(crate) fn load_int<const N: usize>(&self, ptr: u32) -> Result<[u8; N]> {
        let b = self.bytes(ptr, N as u32)?;
        Ok(b.try_into().expect("slice has N bytes"))
    }

    pub(crate) fn store_bytes(&mut self, ptr: u32, bytes: &[u8]) -> Result<()> {
        self.bytes_mut(ptr, bytes.len() as u32)?.copy_from_slice(bytes);
        Ok(())
    }

    /// Calls the guest's `realloc` (with `may_leave` cleared, as the spec requires) and
    /// checks the returned pointer's alignment and bounds for `new_len` bytes of `region`.
    pub(crate) fn realloc(
        &mut self,
        old: u32,
        old_len: u32,
        align: u32,
        new_len: u32,
        region: Region,
    ) -> Result<u32> {
        let realloc = self.opts.realloc.ok_or_else(|| {
            Error::InvalidComponent("a canonical function needs the `realloc` option".into())
        })?;
        let args = [
            CoreVal::I32(old as i32),
            CoreVal::I32(old_len as i32),
            CoreVal::I32(align as i32),
            CoreVal::I32(new_len as i32),
        ];
        let mut out = [CoreVal::I32(0)];
        self.inst.set_may_leave(false);
        let r = realloc.call(self.store, &args, &mut out);
        self.inst.set_may_leave(true);
        r?;
        let ptr = match out[0] {
            CoreVal::I32(p) => p as u32,
            _ => return Err(trap("realloc returned a non-i32 value")),
        };
        if self.fused {
            self.check_range(ptr, align, u64::from(new_len), region)?;
        } else {
            trap_if(ptr % align != 0, "realloc return: result not aligned")?;
            trap_if(
                u64::from(ptr) + u64::from(new_len) > self.memory_len()?,
                "realloc return: beyond end of memory",
            )?;
        }
        Ok(ptr)
    }

    /// Gives back the borrows lent for the call that just ended.
    pub(crate) fn release_lenders(&mut self) {
        let mut data = self.inst.lock();
        for i in self.lenders.drain(..) {
            if let Ok(h) = data.handles.get_mut(i) {
                h.num_lends = h.num_lends.saturating_sub(1);
            }
        }
    }
}

/// Reads flat core values one by one with their expected types (the spec's `CoreValueIter`).
pub(crate) struct FlatIter<'v> {
    vals: &'v [CoreVal],
    pos: usize,
}

impl<'v> FlatIter<'v> {
    pub(crate) fn new(vals: &'v [CoreVal]) -> Self {
        FlatIter { vals, pos: 0 }
    }

    pub(crate) fn next(&mut self) -> Result<&'v CoreVal> {
        let v = self.vals.get(self.pos).ok_or_else(|| trap("too few core values for the signature"))?;
        self.pos += 1;
        Ok(v)
    }

    pub(crate) fn i32(&mut self) -> Result<u32> {
        match self.next()? {
            CoreVal::I32(v) => Ok(*v as u32),
            other => Err(trap(format!("expected an i32 core value, got {:?}", other.ty()))),
        }
    }
}
