//! Lifting: core values and linear memory → [`Val`] (`lift_flat`, `load`).

use tessera_engine::{Val as CoreVal, ValType as CoreType};

use super::layout::{
    alignment, field_offsets, flags_size, flatten, map_entry_layout, payload_offset, size, variant_cases,
    variant_payload_flat, Shape,
};
use super::{Cx, FlatIter, Region};
use crate::error::{trap, trap_if, Result};
use crate::types::{MapType, ResourceType, Type};
use crate::values::{ResourceAny, Val};

/// `MAX_LIST_BYTE_LENGTH`.
const MAX_LIST_BYTE_LENGTH: u64 = (1 << 28) - 1;

fn canonical_f32(bits: u32) -> f32 {
    let f = f32::from_bits(bits);
    if f.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        f
    }
}

fn canonical_f64(bits: u64) -> f64 {
    let f = f64::from_bits(bits);
    if f.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        f
    }
}

fn to_char(i: u32) -> Result<Val> {
    trap_if(i >= 0x11_0000, "invalid `char` bit pattern")?;
    trap_if((0xD800..=0xDFFF).contains(&i), "invalid `char` bit pattern")?;
    Ok(Val::Char(char::from_u32(i).expect("checked above")))
}

fn case_val(ty: &Type, index: u32, payload: Option<Val>) -> Val {
    let payload = payload.map(Box::new);
    match ty {
        Type::Variant(cs) => Val::Variant(cs[index as usize].name.clone(), payload),
        Type::Enum(cs) => Val::Enum(cs[index as usize].clone()),
        Type::Option(_) => Val::Option(if index == 0 { None } else { payload }),
        Type::Result(_) => Val::Result(if index == 0 { Ok(payload) } else { Err(payload) }),
        _ => unreachable!("case_val is only called on variant-like types"),
    }
}

fn unpack_flags(names: &[String], words: &[u32]) -> Val {
    let set = names
        .iter()
        .enumerate()
        .filter(|(i, _)| words[i / 32] & (1 << (i % 32)) != 0)
        .map(|(_, n)| n.clone())
        .collect();
    Val::Flags(set)
}

impl<T> Cx<'_, T> {
    /// `lift_flat`: one value from flat core values.
    pub(crate) fn lift_flat(&mut self, it: &mut FlatIter<'_>, ty: &Type) -> Result<Val> {
        Ok(match ty {
            Type::Bool => Val::Bool(it.i32()? != 0),
            Type::S8 => Val::S8(it.i32()? as i8),
            Type::U8 => Val::U8(it.i32()? as u8),
            Type::S16 => Val::S16(it.i32()? as i16),
            Type::U16 => Val::U16(it.i32()? as u16),
            Type::S32 => Val::S32(it.i32()? as i32),
            Type::U32 => Val::U32(it.i32()?),
            Type::S64 | Type::U64 => {
                let v = match it.next()? {
                    CoreVal::I64(v) => *v,
                    other => return Err(trap(format!("expected an i64 core value, got {:?}", other.ty()))),
                };
                if *ty == Type::S64 {
                    Val::S64(v)
                } else {
                    Val::U64(v as u64)
                }
            }
            Type::F32 => match it.next()? {
                CoreVal::F32(b) => Val::Float32(canonical_f32(*b)),
                other => return Err(trap(format!("expected an f32 core value, got {:?}", other.ty()))),
            },
            Type::F64 => match it.next()? {
                CoreVal::F64(b) => Val::Float64(canonical_f64(*b)),
                other => return Err(trap(format!("expected an f64 core value, got {:?}", other.ty()))),
            },
            Type::Char => to_char(it.i32()?)?,
            Type::String => {
                let ptr = it.i32()?;
                let len = it.i32()?;
                Val::String(self.load_string_from_range(ptr, len)?)
            }
            Type::List(elem) => {
                let ptr = it.i32()?;
                let len = it.i32()?;
                Val::List(self.load_list_from_range(ptr, len, elem)?)
            }
            Type::Map(m) => {
                let ptr = it.i32()?;
                let len = it.i32()?;
                self.load_map_from_range(ptr, len, m)?
            }
            Type::FixedList(elem, n) => {
                Val::List((0..*n).map(|_| self.lift_flat(it, elem)).collect::<Result<_>>()?)
            }
            Type::Record(fs) => Val::Record(
                fs.iter().map(|f| Ok((f.name.clone(), self.lift_flat(it, &f.ty)?))).collect::<Result<_>>()?,
            ),
            Type::Tuple(ts) => Val::Tuple(ts.iter().map(|t| self.lift_flat(it, t)).collect::<Result<_>>()?),
            Type::Flags(names) => {
                let words = (0..names.len().div_ceil(32)).map(|_| it.i32()).collect::<Result<Vec<_>>>()?;
                unpack_flags(names, &words)
            }
            Type::Own(rt) => Val::Resource(self.lift_own(it.i32()?, rt)?),
            Type::Borrow(rt) => Val::Resource(self.lift_borrow(it.i32()?, rt)?),
            _ => self.lift_flat_variant(it, ty)?,
        })
    }

    fn lift_flat_variant(&mut self, it: &mut FlatIter<'_>, ty: &Type) -> Result<Val> {
        let cases = variant_cases(ty).expect("only variant-like types reach here");
        let joined = variant_payload_flat(&cases);
        let index = it.i32()?;
        trap_if(index as usize >= cases.len(), "invalid variant discriminant")?;
        // Take this variant's slots, coerced from the joined types to the case's own types.
        let slots: Vec<CoreVal> = (0..joined.len()).map(|_| it.next().cloned()).collect::<Result<_>>()?;
        let payload = match cases[index as usize] {
            None => None,
            Some(case_ty) => {
                let mut want = Vec::new();
                flatten(case_ty, &mut want);
                let coerced: Vec<CoreVal> =
                    want.iter().zip(&slots).map(|(w, have)| coerce(have, *w)).collect();
                let mut inner = FlatIter::new(&coerced);
                Some(self.lift_flat(&mut inner, case_ty)?)
            }
        };
        Ok(case_val(ty, index, payload))
    }

    /// `load`: one value from memory at `ptr` (already checked to be aligned and in bounds
    /// by the caller, as in the spec; the reads are bounds-checked again regardless).
    pub(crate) fn load(&mut self, ptr: u32, ty: &Type) -> Result<Val> {
        Ok(match ty {
            Type::Bool => Val::Bool(self.load_int::<1>(ptr)?[0] != 0),
            Type::S8 => Val::S8(self.load_int::<1>(ptr)?[0] as i8),
            Type::U8 => Val::U8(self.load_int::<1>(ptr)?[0]),
            Type::S16 => Val::S16(i16::from_le_bytes(self.load_int(ptr)?)),
            Type::U16 => Val::U16(u16::from_le_bytes(self.load_int(ptr)?)),
            Type::S32 => Val::S32(i32::from_le_bytes(self.load_int(ptr)?)),
            Type::U32 => Val::U32(u32::from_le_bytes(self.load_int(ptr)?)),
            Type::S64 => Val::S64(i64::from_le_bytes(self.load_int(ptr)?)),
            Type::U64 => Val::U64(u64::from_le_bytes(self.load_int(ptr)?)),
            Type::F32 => Val::Float32(canonical_f32(u32::from_le_bytes(self.load_int(ptr)?))),
            Type::F64 => Val::Float64(canonical_f64(u64::from_le_bytes(self.load_int(ptr)?))),
            Type::Char => to_char(u32::from_le_bytes(self.load_int(ptr)?))?,
            Type::String => {
                let begin = u32::from_le_bytes(self.load_int(ptr)?);
                let len = u32::from_le_bytes(self.load_int(ptr + 4)?);
                Val::String(self.load_string_from_range(begin, len)?)
            }
            Type::List(elem) => {
                let begin = u32::from_le_bytes(self.load_int(ptr)?);
                let len = u32::from_le_bytes(self.load_int(ptr + 4)?);
                Val::List(self.load_list_from_range(begin, len, elem)?)
            }
            Type::Map(m) => {
                let begin = u32::from_le_bytes(self.load_int(ptr)?);
                let len = u32::from_le_bytes(self.load_int(ptr + 4)?);
                self.load_map_from_range(begin, len, m)?
            }
            Type::FixedList(elem, n) => {
                let elem_size = size(elem);
                Val::List((0..*n).map(|i| self.load(ptr + i * elem_size, elem)).collect::<Result<_>>()?)
            }
            Type::Record(fs) => {
                let offsets = field_offsets(fs.iter().map(|f| &f.ty));
                let mut out = Vec::with_capacity(fs.len());
                for (f, off) in fs.iter().zip(offsets) {
                    out.push((f.name.clone(), self.load(ptr + off, &f.ty)?));
                }
                Val::Record(out)
            }
            Type::Tuple(ts) => {
                let offsets = field_offsets(ts.iter());
                let mut out = Vec::with_capacity(ts.len());
                for (t, off) in ts.iter().zip(offsets) {
                    out.push(self.load(ptr + off, t)?);
                }
                Val::Tuple(out)
            }
            Type::Flags(names) => {
                let n = flags_size(names.len());
                let words = match n {
                    0 => vec![],
                    1 => vec![u32::from(self.load_int::<1>(ptr)?[0])],
                    2 => vec![u32::from(u16::from_le_bytes(self.load_int(ptr)?))],
                    _ => (0..n / 4)
                        .map(|i| Ok(u32::from_le_bytes(self.load_int(ptr + 4 * i)?)))
                        .collect::<Result<_>>()?,
                };
                unpack_flags(names, &words)
            }
            Type::Own(rt) => Val::Resource(self.lift_own(u32::from_le_bytes(self.load_int(ptr)?), rt)?),
            Type::Borrow(rt) => Val::Resource(self.lift_borrow(u32::from_le_bytes(self.load_int(ptr)?), rt)?),
            _ => {
                let cases = variant_cases(ty).expect("only variant-like types reach here");
                let index = match super::layout::discriminant_size(cases.len()) {
                    1 => u32::from(self.load_int::<1>(ptr)?[0]),
                    2 => u32::from(u16::from_le_bytes(self.load_int(ptr)?)),
                    _ => u32::from_le_bytes(self.load_int(ptr)?),
                };
                trap_if(index as usize >= cases.len(), "invalid variant discriminant")?;
                let payload = match cases[index as usize] {
                    None => None,
                    Some(t) => Some(self.load(ptr + payload_offset(&cases), t)?),
                };
                case_val(ty, index, payload)
            }
        })
    }

    fn load_list_from_range(&mut self, ptr: u32, len: u32, elem: &Type) -> Result<Vec<Val>> {
        let elem_size = size(elem);
        self.check_list_range(ptr, len, elem_size, alignment(elem))?;
        (0..len).map(|i| self.load(ptr + i * elem_size, elem)).collect()
    }

    /// A map, read as the `list<tuple<K, V>>` it is carried as, straight into key-value
    /// pairs.
    fn load_map_from_range(&mut self, ptr: u32, len: u32, m: &MapType) -> Result<Val> {
        let (entry_size, align, value_offset) = map_entry_layout(m);
        self.check_list_range(ptr, len, entry_size, align)?;
        let entries = (0..len)
            .map(|i| {
                let at = ptr + i * entry_size;
                Ok((self.load(at, &m.key)?, self.load(at + value_offset, &m.value)?))
            })
            .collect::<Result<_>>()?;
        Ok(Val::Map(entries))
    }

    /// `load_list_from_range`'s checks: the length, the alignment and the bounds.
    fn check_list_range(&self, ptr: u32, len: u32, elem_size: u32, align: u32) -> Result<()> {
        let bytes = u64::from(len) * u64::from(elem_size);
        trap_if(bytes > MAX_LIST_BYTE_LENGTH, "list too long")?;
        self.check_range(ptr, align, bytes, Region::List)
    }

    /// `lift_own`: moves the handle out of the instance's table.
    fn lift_own(&mut self, i: u32, rt: &ResourceType) -> Result<ResourceAny> {
        let mut data = self.inst.lock();
        let h = data.handles.get(i)?;
        check_handle_type(i, &h.ty, rt)?;
        trap_if(h.num_lends != 0, "cannot remove owned resource while borrowed")?;
        trap_if(!h.own, "expected an owned handle, got a borrowed one")?;
        let h = data.handles.remove(i)?;
        Ok(ResourceAny { ty: h.ty, rep: h.rep, own: true })
    }

    /// `lift_borrow`: lends the handle for the duration of the call.
    fn lift_borrow(&mut self, i: u32, rt: &ResourceType) -> Result<ResourceAny> {
        let mut data = self.inst.lock();
        let h = data.handles.get_mut(i)?;
        check_handle_type(i, &h.ty, rt)?;
        h.num_lends += 1;
        let rep = h.rep;
        drop(data);
        self.lenders.push(i);
        Ok(ResourceAny { ty: rt.clone(), rep, own: false })
    }

    /// `lift_flat_values`: the parameters or results of a call, spilled through memory when
    /// there are more than `max_flat` core values.
    pub(crate) fn lift_values(
        &mut self,
        vals: &[CoreVal],
        tys: &[&Type],
        shape: Shape<'_>,
    ) -> Result<Vec<Val>> {
        let mut it = FlatIter::new(vals);
        if let Some(spill) = shape.spill {
            let ptr = it.i32()?;
            self.check_range(ptr, spill.align, u64::from(spill.size), Region::Spill)?;
            match self.load(ptr, &spill.tuple)? {
                Val::Tuple(vs) => Ok(vs),
                _ => unreachable!("a tuple loads as a tuple"),
            }
        } else {
            tys.iter().map(|t| self.lift_flat(&mut it, t)).collect()
        }
    }
}

/// Traps unless handle `i`, of resource type `found`, is of the `expected` type, with the
/// text the reference tests match on.
pub(crate) fn check_handle_type(i: u32, found: &ResourceType, expected: &ResourceType) -> Result<()> {
    if found == expected {
        return Ok(());
    }
    let kind =
        |rt: &ResourceType| if rt.is_host() { "host-defined resource" } else { "guest-defined resource" };
    let article = if found.is_host() == expected.is_host() { "a different" } else { "a" };
    Err(trap(format!(
        "handle index {i} used with the wrong type, expected {} but found {article} {}",
        kind(expected),
        kind(found)
    )))
}

/// Reinterprets a joined variant slot as the type the case wants (`CoerceValueIter`).
fn coerce(have: &CoreVal, want: CoreType) -> CoreVal {
    match (have, want) {
        (CoreVal::I32(x), CoreType::F32) => CoreVal::F32(*x as u32),
        (CoreVal::I64(x), CoreType::I32) => CoreVal::I32(*x as i32),
        (CoreVal::I64(x), CoreType::F32) => CoreVal::F32(*x as u32),
        (CoreVal::I64(x), CoreType::F64) => CoreVal::F64(*x as u64),
        _ => have.clone(),
    }
}
