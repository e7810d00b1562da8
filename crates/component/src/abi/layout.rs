//! Sizes, alignments and flattening of component types (CanonicalABI.md, "Element Size",
//! "Alignment", "Flattening"). 32-bit memories only.

use tessera_engine::ValType as CoreType;

use crate::types::{FuncType, MapType, Type};

/// Most core parameters a function passes flat; more go through memory.
pub(crate) const MAX_FLAT_PARAMS: usize = 16;
/// Most core results a function returns flat; more go through memory.
pub(crate) const MAX_FLAT_RESULTS: usize = 1;

/// The payload types of a variant-like type, in case order (`option`, `result` and `enum`
/// are variants in the ABI). `None` for types that are not variants.
pub(crate) fn variant_cases(ty: &Type) -> Option<Vec<Option<&Type>>> {
    Some(match ty {
        Type::Variant(cs) => cs.iter().map(|c| c.ty.as_ref()).collect(),
        Type::Enum(cs) => vec![None; cs.len()],
        Type::Option(t) => vec![None, Some(&**t)],
        Type::Result(r) => vec![r.ok.as_ref(), r.err.as_ref()],
        _ => return None,
    })
}

/// The byte size of a variant's discriminant.
pub(crate) fn discriminant_size(cases: usize) -> u32 {
    match cases {
        0..=0x100 => 1,
        0x101..=0x1_0000 => 2,
        _ => 4,
    }
}

fn max_case_alignment(cases: &[Option<&Type>]) -> u32 {
    cases.iter().flatten().map(|t| alignment(t)).max().unwrap_or(1)
}

/// Bytes a flags value takes in memory.
pub(crate) fn flags_size(n: usize) -> u32 {
    match n {
        0 => 0,
        1..=8 => 1,
        9..=16 => 2,
        _ => 4 * n.div_ceil(32) as u32,
    }
}

pub(crate) fn align_to(ptr: u32, align: u32) -> u32 {
    ptr.div_ceil(align) * align
}

/// The layout of one entry of a map, a `tuple<K, V>`: its size, its alignment and the
/// value's offset (computed without building the tuple type).
pub(crate) fn map_entry_layout(m: &MapType) -> (u32, u32, u32) {
    let align = alignment(&m.key).max(alignment(&m.value));
    let value_offset = align_to(size(&m.key), alignment(&m.value));
    (align_to(value_offset + size(&m.value), align), align, value_offset)
}

pub(crate) fn alignment(ty: &Type) -> u32 {
    match ty {
        Type::Bool | Type::S8 | Type::U8 => 1,
        Type::S16 | Type::U16 => 2,
        Type::S32 | Type::U32 | Type::F32 | Type::Char | Type::Own(_) | Type::Borrow(_) => 4,
        Type::S64 | Type::U64 | Type::F64 => 8,
        Type::String | Type::List(_) | Type::Map(_) => 4,
        Type::FixedList(t, _) => alignment(t),
        Type::Record(fs) => fs.iter().map(|f| alignment(&f.ty)).max().unwrap_or(1),
        Type::Tuple(ts) => ts.iter().map(alignment).max().unwrap_or(1),
        Type::Flags(fs) => match flags_size(fs.len()) {
            0 | 1 => 1,
            2 => 2,
            _ => 4,
        },
        _ => {
            let cases = variant_cases(ty).expect("all other types are variants");
            discriminant_size(cases.len()).max(max_case_alignment(&cases))
        }
    }
}

pub(crate) fn size(ty: &Type) -> u32 {
    match ty {
        Type::Bool | Type::S8 | Type::U8 => 1,
        Type::S16 | Type::U16 => 2,
        Type::S32 | Type::U32 | Type::F32 | Type::Char | Type::Own(_) | Type::Borrow(_) => 4,
        Type::S64 | Type::U64 | Type::F64 => 8,
        Type::String | Type::List(_) | Type::Map(_) => 8,
        Type::FixedList(t, n) => n * size(t),
        Type::Record(fs) => fields_size(fs.iter().map(|f| &f.ty)),
        Type::Tuple(ts) => fields_size(ts.iter()),
        Type::Flags(fs) => flags_size(fs.len()),
        _ => {
            let cases = variant_cases(ty).expect("all other types are variants");
            let mut s = discriminant_size(cases.len());
            s = align_to(s, max_case_alignment(&cases));
            let payload = cases.iter().flatten().map(|t| size(t)).max().unwrap_or(0);
            align_to(s + payload, alignment(ty))
        }
    }
}

fn fields_size<'a>(tys: impl Iterator<Item = &'a Type> + Clone) -> u32 {
    let mut s = 0;
    let mut align = 1;
    for t in tys {
        s = align_to(s, alignment(t));
        s += size(t);
        align = align.max(alignment(t));
    }
    align_to(s, align)
}

/// The offsets of consecutive fields laid out as a record (computed as they are read, so
/// a record costs no allocation).
pub(crate) fn field_offsets<'a>(tys: impl Iterator<Item = &'a Type> + 'a) -> impl Iterator<Item = u32> + 'a {
    let mut s = 0;
    tys.map(move |t| {
        s = align_to(s, alignment(t));
        let offset = s;
        s += size(t);
        offset
    })
}

/// How many core values `ty` flattens to (without building the list).
pub(crate) fn flat_count(ty: &Type) -> usize {
    match ty {
        Type::String | Type::List(_) | Type::Map(_) => 2,
        Type::FixedList(t, n) => *n as usize * flat_count(t),
        Type::Record(fs) => fs.iter().map(|f| flat_count(&f.ty)).sum(),
        Type::Tuple(ts) => ts.iter().map(flat_count).sum(),
        Type::Flags(fs) => fs.len().div_ceil(32),
        // The joined payload is as long as the longest case's (counted, not built: a case
        // may be a list<u8, 2^28 - 1>).
        Type::Variant(_) | Type::Enum(_) | Type::Option(_) | Type::Result(_) => {
            let cases = variant_cases(ty).expect("variant-like");
            1 + cases.iter().flatten().map(|t| flat_count(t)).max().unwrap_or(0)
        }
        _ => 1,
    }
}

/// The byte offset of a variant's payload from its start.
pub(crate) fn payload_offset(cases: &[Option<&Type>]) -> u32 {
    align_to(discriminant_size(cases.len()), max_case_alignment(cases))
}

pub(crate) fn flatten(ty: &Type, out: &mut Vec<CoreType>) {
    match ty {
        Type::Bool
        | Type::S8
        | Type::U8
        | Type::S16
        | Type::U16
        | Type::S32
        | Type::U32
        | Type::Char
        | Type::Own(_)
        | Type::Borrow(_) => out.push(CoreType::I32),
        Type::S64 | Type::U64 => out.push(CoreType::I64),
        Type::F32 => out.push(CoreType::F32),
        Type::F64 => out.push(CoreType::F64),
        Type::String | Type::List(_) | Type::Map(_) => out.extend([CoreType::I32, CoreType::I32]),
        Type::FixedList(t, n) => (0..*n).for_each(|_| flatten(t, out)),
        Type::Record(fs) => fs.iter().for_each(|f| flatten(&f.ty, out)),
        Type::Tuple(ts) => ts.iter().for_each(|t| flatten(t, out)),
        Type::Flags(fs) => out.extend(std::iter::repeat_n(CoreType::I32, fs.len().div_ceil(32))),
        _ => {
            let cases = variant_cases(ty).expect("all other types are variants");
            out.push(CoreType::I32);
            out.extend(variant_payload_flat(&cases));
        }
    }
}

/// The joined flat types of a variant's payloads (without the discriminant).
pub(crate) fn variant_payload_flat(cases: &[Option<&Type>]) -> Vec<CoreType> {
    let mut flat: Vec<CoreType> = Vec::new();
    let mut case_flat = Vec::new();
    for t in cases.iter().flatten() {
        case_flat.clear();
        flatten(t, &mut case_flat);
        for (i, ft) in case_flat.iter().enumerate() {
            if i < flat.len() {
                flat[i] = join(flat[i], *ft);
            } else {
                flat.push(*ft);
            }
        }
    }
    flat
}

fn join(a: CoreType, b: CoreType) -> CoreType {
    match (a, b) {
        _ if a == b => a,
        (CoreType::I32, CoreType::F32) | (CoreType::F32, CoreType::I32) => CoreType::I32,
        _ => CoreType::I64,
    }
}

pub(crate) fn flatten_all<'a>(tys: impl Iterator<Item = &'a Type>) -> Vec<CoreType> {
    let mut out = Vec::new();
    for t in tys {
        flatten(t, &mut out);
    }
    out
}

/// Which way a function is being adapted: lifted out of core code or lowered into it.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Context {
    Lift,
    Lower,
}

/// A list of values stored in memory as one tuple (parameters or results that flatten to
/// more than the ABI passes in registers).
#[derive(Clone, Debug)]
pub(crate) struct Spill {
    pub tuple: Type,
    pub align: u32,
    pub size: u32,
}

impl Spill {
    fn of<'a>(tys: impl Iterator<Item = &'a Type>) -> Spill {
        let tuple = Type::Tuple(tys.cloned().collect());
        Spill { align: alignment(&tuple), size: size(&tuple), tuple }
    }
}

/// How values of a list of types cross: how many flat values they are, and the tuple they
/// are stored as in memory when that is more than `max` (the ABI's register limit).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape<'a> {
    pub flat: usize,
    pub spill: Option<&'a Spill>,
}

/// Everything about a function type's flattening that does not depend on the values.
#[derive(Clone, Debug)]
pub(crate) struct FuncLayout {
    pub params_flat: usize,
    pub params_spill: Option<Spill>,
    pub result_flat: usize,
    pub result_spill: Option<Spill>,
    /// The result's one core type, when it flattens to exactly one.
    pub result_core: Option<CoreType>,
    pub lift_signature: (Vec<CoreType>, Vec<CoreType>),
    pub lower_signature: (Vec<CoreType>, Vec<CoreType>),
}

impl FuncLayout {
    pub(crate) fn new(ft: &FuncType) -> FuncLayout {
        let params_flat: usize = ft.param_types().map(flat_count).sum();
        let result_flat = ft.result.as_ref().map_or(0, flat_count);
        let result_core = match &ft.result {
            Some(r) if result_flat == 1 => flatten_all(std::iter::once(r)).first().copied(),
            _ => None,
        };
        FuncLayout {
            params_flat,
            params_spill: (params_flat > MAX_FLAT_PARAMS).then(|| Spill::of(ft.param_types())),
            result_flat,
            // Results spill past one flat value when lowered, past MAX_FLAT_RESULTS lifted:
            // the tuple is the same either way.
            result_spill: (result_flat > MAX_FLAT_RESULTS).then(|| Spill::of(ft.result.iter())),
            result_core,
            lift_signature: core_signature(ft, Context::Lift),
            lower_signature: core_signature(ft, Context::Lower),
        }
    }

    pub(crate) fn params(&self) -> Shape<'_> {
        Shape { flat: self.params_flat, spill: self.params_spill.as_ref() }
    }

    pub(crate) fn result(&self) -> Shape<'_> {
        Shape { flat: self.result_flat, spill: self.result_spill.as_ref() }
    }
}

/// The core signature of a component function (`flatten_functype`).
///
/// Counts before it flattens: a valid `list<u8, 2^28 - 1>` parameter would otherwise build a
/// vector of 2^28 core types just to find that it spills.
pub(crate) fn core_signature(ft: &FuncType, cx: Context) -> (Vec<CoreType>, Vec<CoreType>) {
    let params_spill = ft.param_types().map(flat_count).sum::<usize>() > MAX_FLAT_PARAMS;
    let results_spill = ft.result.as_ref().map_or(0, flat_count) > MAX_FLAT_RESULTS;
    let mut params = if params_spill { vec![CoreType::I32] } else { flatten_all(ft.param_types()) };
    let mut results = if results_spill { Vec::new() } else { flatten_all(ft.result.iter()) };
    if results_spill {
        match cx {
            Context::Lift => results = vec![CoreType::I32],
            Context::Lower => params.push(CoreType::I32),
        }
    }
    (params, results)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::types::{Case, Field, ResultType};

    #[test]
    fn layouts_match_the_canonical_abi() {
        let rec = Type::Record(
            vec![Field { name: "a".into(), ty: Type::U8 }, Field { name: "b".into(), ty: Type::U64 }].into(),
        );
        assert_eq!((size(&rec), alignment(&rec)), (16, 8));
        let opt = Type::Option(Arc::new(Type::U32));
        assert_eq!((size(&opt), alignment(&opt)), (8, 4));
        let res = Type::Result(Arc::new(ResultType { ok: Some(Type::String), err: Some(Type::U8) }));
        assert_eq!((size(&res), alignment(&res)), (12, 4));
        let flags = Type::Flags((0..40).map(|i| format!("f{i}")).collect());
        assert_eq!((size(&flags), alignment(&flags)), (8, 4));
        let mut flat = Vec::new();
        flatten(&flags, &mut flat);
        assert_eq!(flat, [CoreType::I32, CoreType::I32]);
        let var = Type::Variant(
            vec![
                Case { name: "a".into(), ty: Some(Type::F32) },
                Case { name: "b".into(), ty: Some(Type::U64) },
            ]
            .into(),
        );
        flat.clear();
        flatten(&var, &mut flat);
        assert_eq!(flat, [CoreType::I32, CoreType::I64]);
        let var = Type::Variant(
            vec![
                Case { name: "a".into(), ty: Some(Type::F32) },
                Case { name: "b".into(), ty: Some(Type::U32) },
            ]
            .into(),
        );
        flat.clear();
        flatten(&var, &mut flat);
        assert_eq!(flat, [CoreType::I32, CoreType::I32]);
        let big_enum = Type::Enum((0..300).map(|i| format!("e{i}")).collect());
        assert_eq!((size(&big_enum), alignment(&big_enum)), (2, 2));
    }
}
