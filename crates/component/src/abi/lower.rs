//! Lowering: [`Val`] → core values and linear memory (`lower_flat`, `store`).
//!
//! Values come from the host or from another instance, so they are checked against the
//! type as they are lowered; a mismatch is an error naming both, not a trap.

use tessera_engine::{Val as CoreVal, ValType as CoreType};

use super::layout::{
    alignment, discriminant_size, field_offsets, flags_size, map_entry_layout, payload_offset, size,
    variant_cases, variant_payload_flat, Shape,
};
use super::{Cx, Region};
use crate::error::{trap_if, Error, Result};
use crate::resources::Handle;
use crate::types::{MapType, ResourceType, Type};
use crate::values::{ResourceAny, Val};

fn mismatch(ty: &Type, v: &Val) -> Error {
    Error::TypeMismatch(format!("type mismatch: expected {ty}, got a {} value", v.kind()))
}

fn canonical_f32(f: f32) -> u32 {
    if f.is_nan() {
        0x7fc0_0000
    } else {
        f.to_bits()
    }
}

fn canonical_f64(f: f64) -> u64 {
    if f.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        f.to_bits()
    }
}

/// The case index and payload of a variant-like value of type `ty`.
fn match_case<'v>(ty: &Type, v: &'v Val) -> Result<(u32, Option<&'v Val>)> {
    let found = match (ty, v) {
        (Type::Variant(cs), Val::Variant(name, p)) => {
            cs.iter().position(|c| c.name == *name).map(|i| (i as u32, p.as_deref()))
        }
        (Type::Enum(cs), Val::Enum(name)) => cs.iter().position(|c| c == name).map(|i| (i as u32, None)),
        (Type::Option(_), Val::Option(p)) => Some(match p {
            None => (0, None),
            Some(p) => (1, Some(&**p)),
        }),
        (Type::Result(_), Val::Result(r)) => Some(match r {
            Ok(p) => (0, p.as_deref()),
            Err(p) => (1, p.as_deref()),
        }),
        _ => None,
    };
    let (index, payload) = found.ok_or_else(|| mismatch(ty, v))?;
    let cases = variant_cases(ty).expect("variant-like");
    if cases[index as usize].is_some() != payload.is_some() {
        return Err(Error::TypeMismatch(format!(
            "type mismatch: case {index} of {ty} {} a payload",
            if payload.is_some() { "takes no" } else { "needs" }
        )));
    }
    Ok((index, payload))
}

/// The value of the record's `i`th field `name` (the value may list fields in any order;
/// in the type's order, the usual case, this is one comparison).
fn record_field<'v>(vals: &'v [(String, Val)], i: usize, name: &str) -> Result<&'v Val> {
    match vals.get(i) {
        Some((n, v)) if n == name => Ok(v),
        _ => vals
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| Error::TypeMismatch(format!("type mismatch: record field `{name}` missing"))),
    }
}

fn pack_flags(ty: &Type, v: &Val) -> Result<Vec<u32>> {
    let (Type::Flags(names), Val::Flags(set)) = (ty, v) else { return Err(mismatch(ty, v)) };
    let mut words = vec![0u32; names.len().div_ceil(32)];
    for flag in set {
        let i = names
            .iter()
            .position(|n| n == flag)
            .ok_or_else(|| Error::TypeMismatch(format!("type mismatch: no flag `{flag}` in {ty}")))?;
        words[i / 32] |= 1 << (i % 32);
    }
    Ok(words)
}

impl<T> Cx<'_, T> {
    /// `lower_flat`: appends the flat core values of `v`.
    pub(crate) fn lower_flat(&mut self, v: &Val, ty: &Type, out: &mut Vec<CoreVal>) -> Result<()> {
        match (ty, v) {
            (Type::Bool, Val::Bool(b)) => out.push(CoreVal::I32(i32::from(*b))),
            (Type::S8, Val::S8(x)) => out.push(CoreVal::I32(i32::from(*x))),
            (Type::U8, Val::U8(x)) => out.push(CoreVal::I32(i32::from(*x))),
            (Type::S16, Val::S16(x)) => out.push(CoreVal::I32(i32::from(*x))),
            (Type::U16, Val::U16(x)) => out.push(CoreVal::I32(i32::from(*x))),
            (Type::S32, Val::S32(x)) => out.push(CoreVal::I32(*x)),
            (Type::U32, Val::U32(x)) => out.push(CoreVal::I32(*x as i32)),
            (Type::S64, Val::S64(x)) => out.push(CoreVal::I64(*x)),
            (Type::U64, Val::U64(x)) => out.push(CoreVal::I64(*x as i64)),
            (Type::F32, Val::Float32(f)) => out.push(CoreVal::F32(canonical_f32(*f))),
            (Type::F64, Val::Float64(f)) => out.push(CoreVal::F64(canonical_f64(*f))),
            (Type::Char, Val::Char(c)) => out.push(CoreVal::I32(*c as i32)),
            (Type::String, Val::String(s)) => {
                let (ptr, len) = self.store_string_into_range(s)?;
                out.extend([CoreVal::I32(ptr as i32), CoreVal::I32(len as i32)]);
            }
            (Type::List(elem), Val::List(vs)) => {
                let (ptr, len) = self.store_list_into_range(vs, elem)?;
                out.extend([CoreVal::I32(ptr as i32), CoreVal::I32(len as i32)]);
            }
            (Type::Map(m), Val::Map(entries)) => {
                let (ptr, len) = self.store_map_into_range(entries, m)?;
                out.extend([CoreVal::I32(ptr as i32), CoreVal::I32(len as i32)]);
            }
            (Type::FixedList(elem, n), Val::List(vs)) => {
                check_fixed_len(ty, *n, vs)?;
                for v in vs {
                    self.lower_flat(v, elem, out)?;
                }
            }
            (Type::Record(fs), Val::Record(vals)) => {
                for (i, f) in fs.iter().enumerate() {
                    self.lower_flat(record_field(vals, i, &f.name)?, &f.ty, out)?;
                }
            }
            (Type::Tuple(ts), Val::Tuple(vs)) if ts.len() == vs.len() => {
                for (t, v) in ts.iter().zip(vs) {
                    self.lower_flat(v, t, out)?;
                }
            }
            (Type::Flags(_), Val::Flags(_)) => {
                out.extend(pack_flags(ty, v)?.into_iter().map(|w| CoreVal::I32(w as i32)));
            }
            (Type::Own(rt), Val::Resource(r)) => out.push(CoreVal::I32(self.lower_own(r, rt)? as i32)),
            (Type::Borrow(rt), Val::Resource(r)) => out.push(CoreVal::I32(self.lower_borrow(r, rt)? as i32)),
            (Type::Variant(_) | Type::Enum(_) | Type::Option(_) | Type::Result(_), _) => {
                let (index, payload) = match_case(ty, v)?;
                let cases = variant_cases(ty).expect("variant-like");
                let joined = variant_payload_flat(&cases);
                out.push(CoreVal::I32(index as i32));
                let start = out.len();
                if let (Some(p), Some(case_ty)) = (payload, cases[index as usize]) {
                    self.lower_flat(p, case_ty, out)?;
                    for (slot, want) in out[start..].iter_mut().zip(&joined) {
                        *slot = widen(slot, *want);
                    }
                }
                for want in &joined[out.len() - start..] {
                    out.push(zero(*want));
                }
            }
            _ => return Err(mismatch(ty, v)),
        }
        Ok(())
    }

    /// `store`: writes `v` at `ptr` (aligned and in bounds, checked by the caller).
    pub(crate) fn store(&mut self, v: &Val, ty: &Type, ptr: u32) -> Result<()> {
        match (ty, v) {
            (Type::Bool, Val::Bool(b)) => self.store_bytes(ptr, &[u8::from(*b)]),
            (Type::S8, Val::S8(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::U8, Val::U8(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::S16, Val::S16(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::U16, Val::U16(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::S32, Val::S32(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::U32, Val::U32(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::S64, Val::S64(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::U64, Val::U64(x)) => self.store_bytes(ptr, &x.to_le_bytes()),
            (Type::F32, Val::Float32(f)) => self.store_bytes(ptr, &canonical_f32(*f).to_le_bytes()),
            (Type::F64, Val::Float64(f)) => self.store_bytes(ptr, &canonical_f64(*f).to_le_bytes()),
            (Type::Char, Val::Char(c)) => self.store_bytes(ptr, &(*c as u32).to_le_bytes()),
            (Type::String, Val::String(s)) => {
                let (begin, len) = self.store_string_into_range(s)?;
                self.store_bytes(ptr, &begin.to_le_bytes())?;
                self.store_bytes(ptr + 4, &len.to_le_bytes())
            }
            (Type::List(elem), Val::List(vs)) => {
                let (begin, len) = self.store_list_into_range(vs, elem)?;
                self.store_bytes(ptr, &begin.to_le_bytes())?;
                self.store_bytes(ptr + 4, &len.to_le_bytes())
            }
            (Type::Map(m), Val::Map(entries)) => {
                let (begin, len) = self.store_map_into_range(entries, m)?;
                self.store_bytes(ptr, &begin.to_le_bytes())?;
                self.store_bytes(ptr + 4, &len.to_le_bytes())
            }
            (Type::FixedList(elem, n), Val::List(vs)) => {
                check_fixed_len(ty, *n, vs)?;
                let elem_size = size(elem);
                for (i, v) in vs.iter().enumerate() {
                    self.store(v, elem, ptr + i as u32 * elem_size)?;
                }
                Ok(())
            }
            (Type::Record(fs), Val::Record(vals)) => {
                let offsets = field_offsets(fs.iter().map(|f| &f.ty));
                for ((i, f), off) in fs.iter().enumerate().zip(offsets) {
                    self.store(record_field(vals, i, &f.name)?, &f.ty, ptr + off)?;
                }
                Ok(())
            }
            (Type::Tuple(ts), Val::Tuple(vs)) if ts.len() == vs.len() => {
                let offsets = field_offsets(ts.iter());
                for ((t, v), off) in ts.iter().zip(vs).zip(offsets) {
                    self.store(v, t, ptr + off)?;
                }
                Ok(())
            }
            (Type::Flags(names), Val::Flags(_)) => {
                let words = pack_flags(ty, v)?;
                match flags_size(names.len()) {
                    0 => Ok(()),
                    1 => self.store_bytes(ptr, &[words[0] as u8]),
                    2 => self.store_bytes(ptr, &(words[0] as u16).to_le_bytes()),
                    _ => {
                        for (i, w) in words.iter().enumerate() {
                            self.store_bytes(ptr + 4 * i as u32, &w.to_le_bytes())?;
                        }
                        Ok(())
                    }
                }
            }
            (Type::Own(rt), Val::Resource(r)) => {
                let i = self.lower_own(r, rt)?;
                self.store_bytes(ptr, &i.to_le_bytes())
            }
            (Type::Borrow(rt), Val::Resource(r)) => {
                let i = self.lower_borrow(r, rt)?;
                self.store_bytes(ptr, &i.to_le_bytes())
            }
            (Type::Variant(_) | Type::Enum(_) | Type::Option(_) | Type::Result(_), _) => {
                let (index, payload) = match_case(ty, v)?;
                let cases = variant_cases(ty).expect("variant-like");
                match discriminant_size(cases.len()) {
                    1 => self.store_bytes(ptr, &[index as u8])?,
                    2 => self.store_bytes(ptr, &(index as u16).to_le_bytes())?,
                    _ => self.store_bytes(ptr, &index.to_le_bytes())?,
                }
                if let (Some(p), Some(case_ty)) = (payload, cases[index as usize]) {
                    self.store(p, case_ty, ptr + payload_offset(&cases))?;
                }
                Ok(())
            }
            _ => Err(mismatch(ty, v)),
        }
    }

    fn store_list_into_range(&mut self, vs: &[Val], elem: &Type) -> Result<(u32, u32)> {
        let elem_size = size(elem);
        let ptr = self.alloc_list(vs.len(), elem_size, alignment(elem))?;
        for (i, v) in vs.iter().enumerate() {
            self.store(v, elem, ptr + i as u32 * elem_size)?;
        }
        Ok((ptr, vs.len() as u32))
    }

    /// A map, written as the `list<tuple<K, V>>` it is carried as, straight from its pairs.
    fn store_map_into_range(&mut self, entries: &[(Val, Val)], m: &MapType) -> Result<(u32, u32)> {
        let (entry_size, align, value_offset) = map_entry_layout(m);
        let ptr = self.alloc_list(entries.len(), entry_size, align)?;
        for (i, (k, v)) in entries.iter().enumerate() {
            let at = ptr + i as u32 * entry_size;
            self.store(k, &m.key, at)?;
            self.store(v, &m.value, at + value_offset)?;
        }
        Ok((ptr, entries.len() as u32))
    }

    /// Allocates room for `n` elements of `elem_size` bytes with `realloc`.
    fn alloc_list(&mut self, n: usize, elem_size: u32, align: u32) -> Result<u32> {
        let bytes = n as u64 * u64::from(elem_size);
        trap_if(bytes > u64::from(u32::MAX), "list too long")?;
        self.realloc(0, 0, align, bytes as u32, Region::List)
    }

    /// `lower_own`: the handle moves into the instance's table.
    fn lower_own(&mut self, r: &ResourceAny, rt: &ResourceType) -> Result<u32> {
        if r.ty != *rt || !r.own {
            return Err(Error::TypeMismatch(format!(
                "type mismatch: expected an owned {}, got {} {}",
                rt.name(),
                if r.own { "an owned" } else { "a borrowed" },
                r.ty.name()
            )));
        }
        self.inst.lock().handles.add(Handle {
            ty: rt.clone(),
            rep: r.rep,
            own: true,
            num_lends: 0,
            scope: None,
        })
    }

    /// `lower_borrow`: the implementing instance gets the representation itself; any other
    /// instance gets a borrow handle it must drop before the call returns.
    fn lower_borrow(&mut self, r: &ResourceAny, rt: &ResourceType) -> Result<u32> {
        if r.ty != *rt {
            return Err(Error::TypeMismatch(format!(
                "type mismatch: expected a borrowed {}, got {}",
                rt.name(),
                r.ty.name()
            )));
        }
        if rt.implementer().is_some_and(|i| std::sync::Arc::ptr_eq(&i, self.inst)) {
            return Ok(r.rep);
        }
        let mut data = self.inst.lock();
        let scope = data.current_scope().map(|s| {
            s.1 += 1;
            s.0
        });
        data.handles.add(Handle { ty: rt.clone(), rep: r.rep, own: false, num_lends: 0, scope })
    }

    /// `lower_flat_values`: the arguments or results of a call. With more than `max_flat`
    /// core values they go to memory: at `out_ptr` when given (results of a lowered import),
    /// else in a buffer allocated with `realloc` whose address is the one core value.
    pub(crate) fn lower_values(
        &mut self,
        vals: &[Val],
        tys: &[&Type],
        shape: Shape<'_>,
        out_ptr: Option<u32>,
    ) -> Result<Vec<CoreVal>> {
        if vals.len() != tys.len() {
            return Err(Error::TypeMismatch(format!("expected {} values, got {}", tys.len(), vals.len())));
        }
        if let Some(spill) = shape.spill {
            let (ptr, flat) = match out_ptr {
                Some(p) => (p, vec![]),
                None => {
                    let p = self.realloc(0, 0, spill.align, spill.size, Region::Spill)?;
                    (p, vec![CoreVal::I32(p as i32)])
                }
            };
            self.check_range(ptr, spill.align, u64::from(spill.size), Region::Spill)?;
            self.store(&Val::Tuple(vals.to_vec()), &spill.tuple, ptr)?;
            Ok(flat)
        } else {
            let mut out = Vec::with_capacity(shape.flat);
            for (v, t) in vals.iter().zip(tys) {
                self.lower_flat(v, t, &mut out)?;
            }
            Ok(out)
        }
    }
}

/// A host value for `list<T, N>` must have exactly `N` elements.
fn check_fixed_len(ty: &Type, n: u32, vs: &[Val]) -> Result<()> {
    if vs.len() == n as usize {
        return Ok(());
    }
    Err(Error::TypeMismatch(format!(
        "type mismatch: expected a {}, got a list of length {}",
        ty.wit(),
        vs.len()
    )))
}

fn zero(t: CoreType) -> CoreVal {
    match t {
        CoreType::I64 => CoreVal::I64(0),
        CoreType::F32 => CoreVal::F32(0),
        CoreType::F64 => CoreVal::F64(0),
        _ => CoreVal::I32(0),
    }
}

/// Reinterprets a case's own flat value as the joined slot type.
fn widen(v: &CoreVal, want: CoreType) -> CoreVal {
    match (v, want) {
        (CoreVal::F32(b), CoreType::I32) => CoreVal::I32(*b as i32),
        (CoreVal::I32(x), CoreType::I64) => CoreVal::I64(i64::from(*x as u32)),
        (CoreVal::F32(b), CoreType::I64) => CoreVal::I64(i64::from(*b)),
        (CoreVal::F64(b), CoreType::I64) => CoreVal::I64(*b as i64),
        _ => v.clone(),
    }
}
