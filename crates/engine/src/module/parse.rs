//! Reads a binary module with `wasmparser`, validating each section as it goes and the
//! function bodies once the module is read (or, with lazy validation, at their first call).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::AtomicPtr;
use std::sync::{Arc, OnceLock};

use wasmparser::{
    BinaryReader, Chunk, ElementItems, ElementKind, ExternalKind, FunctionBody, Name, Operator, Parser,
    Payload, TypeRef, Validator, WasmFeatures,
};

use super::{
    ConstExpr, ConstOp, DataMode, DataSegment, ElemItems, ElemMode, ElemSegment, ExportIndex, ExternType,
    GlobalDef, GlobalType, ImportType, LazyValidation, MemoryType, ModuleInner, TableType,
};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::value::{FuncType, ValType};

/// The proposals Tessera implements: WebAssembly 2.0 plus tail calls, extended constant
/// expressions and multi-memory, each of which the config can turn off.
pub(crate) fn features(config: &crate::Config) -> WasmFeatures {
    let mut f = WasmFeatures::WASM2;
    f.set(WasmFeatures::SIMD, config.simd);
    f.set(WasmFeatures::TAIL_CALL, config.tail_call);
    f.set(WasmFeatures::EXTENDED_CONST, config.extended_const);
    f.set(WasmFeatures::MULTI_MEMORY, config.multi_memory);
    f
}

fn invalid(e: impl std::fmt::Display) -> Error {
    Error::InvalidModule(e.to_string())
}

fn val_type(ty: wasmparser::ValType) -> Result<ValType> {
    ValType::from_wasmparser(ty).ok_or_else(|| Error::Unsupported(format!("value type {ty:?}")))
}

fn table_type(t: &wasmparser::TableType) -> Result<TableType> {
    Ok(TableType {
        element: val_type(wasmparser::ValType::Ref(t.element_type))?,
        min: t.initial,
        max: t.maximum,
    })
}

fn memory_type(m: &wasmparser::MemoryType) -> MemoryType {
    MemoryType { min: m.initial, max: m.maximum, memory64: m.memory64, shared: m.shared }
}

fn global_type(g: &wasmparser::GlobalType) -> Result<GlobalType> {
    Ok(GlobalType { content: val_type(g.content_type)?, mutable: g.mutable })
}

/// Converts an already validated constant expression.
fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
    let mut ops = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let op = reader.read().map_err(invalid)?;
        ops.push(match op {
            Operator::I32Const { value } => ConstOp::I32(value),
            Operator::I64Const { value } => ConstOp::I64(value),
            Operator::F32Const { value } => ConstOp::F32(value.bits()),
            Operator::F64Const { value } => ConstOp::F64(value.bits()),
            Operator::V128Const { value } => ConstOp::V128(u128::from_le_bytes(*value.bytes())),
            Operator::RefNull { .. } => ConstOp::RefNull,
            Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::I32Add => ConstOp::I32Add,
            Operator::I32Sub => ConstOp::I32Sub,
            Operator::I32Mul => ConstOp::I32Mul,
            Operator::I64Add => ConstOp::I64Add,
            Operator::I64Sub => ConstOp::I64Sub,
            Operator::I64Mul => ConstOp::I64Mul,
            Operator::End => continue,
            other => return Err(Error::Unsupported(format!("constant operator {other:?}"))),
        });
    }
    Ok(ConstExpr(ops.into_boxed_slice()))
}

/// Parses and validates `bytes` into a [`ModuleInner`], which keeps its own copy of them
/// (function bodies are translated, data segments copied and names decoded later). For a
/// large module the copy is made on a second thread while the sections are read: it is a
/// quarter of loading a 5.6 MiB module with lazy validation (`tessera-ab --startup`).
pub(crate) fn parse(engine: &Engine, bytes: &[u8]) -> Result<ModuleInner> {
    if bytes.len() < PARALLEL_COPY_BYTES || available_threads() < 2 {
        let mut m = read(engine, bytes)?;
        m.bytes = Arc::from(bytes);
        return Ok(m);
    }
    std::thread::scope(|scope| {
        let copy = scope.spawn(|| Arc::<[u8]>::from(bytes));
        let read = read(engine, bytes);
        let copied = copy.join().map_err(|_| Error::InvalidModule("module copy thread failed".into()))?;
        let mut m = read?;
        m.bytes = copied;
        Ok(m)
    })
}

/// Modules at least this large are copied on a second thread (see [`parse`]).
const PARALLEL_COPY_BYTES: usize = 1 << 20;

/// Reads and validates `bytes`; the result's `bytes` is still empty.
fn read(engine: &Engine, bytes: &[u8]) -> Result<ModuleInner> {
    let features = features(engine.config());
    let mut validator = Validator::new_with_features(features);
    let mut parser = Parser::new(0);
    // The parser must decode with the same features as the validator (for example, limits
    // are 32-bit LEB128 unless memory64 is on).
    parser.set_features(features);
    let mut m = ModuleInner {
        engine: engine.clone(),
        bytes: Arc::from(&[][..]),
        types: Vec::new(),
        type_ids: Vec::new(),
        funcs: Vec::new(),
        tables: Vec::new(),
        table_inits: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        imports: Vec::new(),
        num_imported_funcs: 0,
        num_imported_tables: 0,
        num_imported_memories: 0,
        num_imported_globals: 0,
        exports: Vec::new(),
        export_map: HashMap::new(),
        start: None,
        elems: Vec::new(),
        datas: Vec::new(),
        bodies: Vec::new(),
        compiled: Vec::new(),
        code_ptrs: Box::new([]),
        lazy_validation: None,
        name_section: None,
        names: OnceLock::new(),
    };
    let base = bytes.as_ptr() as usize;
    let lazy_validation = engine.config().lazy_validation;
    let mut resources = None;
    let mut offset = 0;
    loop {
        let payload = match parser.parse(&bytes[offset..], true).map_err(invalid)? {
            Chunk::Parsed { consumed, payload } => {
                offset += consumed;
                payload
            }
            // Not possible with `eof` set: the parser reports the missing bytes instead.
            Chunk::NeedMoreData(_) => return Err(invalid("unexpected end of the module")),
        };
        validator.payload(&payload).map_err(invalid)?;
        match payload {
            // The entries are split here, in one tight loop, instead of one payload each:
            // at thousands of bodies the parser's and validator's per-entry work was a
            // fifth of loading with lazy validation (`tessera-ab --startup`).
            Payload::CodeSectionStart { count, unchecked_range, size } => {
                let end = usize::try_from(unchecked_range.end).ok().filter(|end| *end <= bytes.len());
                let end = end.ok_or_else(|| invalid("unexpected end-of-file in the code section"))?;
                let entries = end - size as usize..end;
                split_bodies(bytes, entries, count, &mut m.bodies)?;
                if let Some(first) = m.bodies.first() {
                    let body = function_body(bytes, first.clone());
                    resources = Some(validator.code_section_entry(&body).map_err(invalid)?.resources);
                }
                parser.skip_section();
                offset += size as usize;
            }
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty.map_err(invalid)?;
                    let params = ty.params().iter().map(|t| val_type(*t)).collect::<Result<Vec<_>>>()?;
                    let results = ty.results().iter().map(|t| val_type(*t)).collect::<Result<Vec<_>>>()?;
                    let ft = FuncType::new(params, results);
                    m.type_ids.push(engine.intern_type(&ft));
                    m.types.push(ft);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    let ty = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            m.funcs.push(t);
                            m.num_imported_funcs += 1;
                            ExternType::Func(m.types[t as usize].clone())
                        }
                        TypeRef::Table(t) => {
                            let t = table_type(&t)?;
                            m.tables.push(t);
                            m.table_inits.push(None);
                            m.num_imported_tables += 1;
                            ExternType::Table(t)
                        }
                        TypeRef::Memory(mem) => {
                            let mem = memory_type(&mem);
                            m.memories.push(mem);
                            m.num_imported_memories += 1;
                            ExternType::Memory(mem)
                        }
                        TypeRef::Global(g) => {
                            let g = global_type(&g)?;
                            m.globals.push(GlobalDef { ty: g, init: ConstExpr(Box::new([])) });
                            m.num_imported_globals += 1;
                            ExternType::Global(g)
                        }
                        TypeRef::Tag(_) => return Err(Error::Unsupported("tag imports".into())),
                    };
                    m.imports.push(ImportType {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        ty,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    m.funcs.push(ty.map_err(invalid)?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(invalid)?;
                    m.tables.push(table_type(&table.ty)?);
                    m.table_inits.push(match &table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(const_expr(e)?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for mem in reader {
                    m.memories.push(memory_type(&mem.map_err(invalid)?));
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g.map_err(invalid)?;
                    m.globals.push(GlobalDef { ty: global_type(&g.ty)?, init: const_expr(&g.init_expr)? });
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.map_err(invalid)?;
                    let idx = match e.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => ExportIndex::Func(e.index),
                        ExternalKind::Table => ExportIndex::Table(e.index),
                        ExternalKind::Memory => ExportIndex::Memory(e.index),
                        ExternalKind::Global => ExportIndex::Global(e.index),
                        ExternalKind::Tag => return Err(Error::Unsupported("tag exports".into())),
                    };
                    m.exports.push((e.name.to_string(), idx));
                    m.export_map.insert(e.name.to_string(), idx);
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem.map_err(invalid)?;
                    let mode = match elem.kind {
                        ElementKind::Passive => ElemMode::Passive,
                        ElementKind::Declared => ElemMode::Declared,
                        ElementKind::Active { table_index, offset_expr } => ElemMode::Active {
                            table: table_index.unwrap_or(0),
                            offset: const_expr(&offset_expr)?,
                        },
                    };
                    let items = match elem.items {
                        ElementItems::Functions(funcs) => {
                            ElemItems::Funcs(funcs.into_iter().collect::<Result<_, _>>().map_err(invalid)?)
                        }
                        ElementItems::Expressions(_, exprs) => ElemItems::Exprs(
                            exprs
                                .into_iter()
                                .map(|e| const_expr(&e.map_err(invalid)?))
                                .collect::<Result<_>>()?,
                        ),
                    };
                    m.elems.push(ElemSegment { mode, items });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data.map_err(invalid)?;
                    let mode = match data.kind {
                        wasmparser::DataKind::Passive => DataMode::Passive,
                        wasmparser::DataKind::Active { memory_index, offset_expr } => {
                            DataMode::Active { memory: memory_index, offset: const_expr(&offset_expr)? }
                        }
                    };
                    let start = data.data.as_ptr() as usize - base;
                    m.datas.push(DataSegment { mode, bytes: start..start + data.data.len() });
                }
            }
            // Decoded when first needed (`ModuleInner::names`); a malformed one is ignored
            // then, as the spec allows.
            Payload::CustomSection(reader) if reader.name() == "name" => {
                let start = reader.data_offset() as usize;
                m.name_section = Some(start..start + reader.data().len());
            }
            Payload::End(_) => break,
            _ => {}
        }
    }
    if let Some(resources) = resources {
        if lazy_validation {
            m.lazy_validation = Some(LazyValidation { resources, features, allocations: Default::default() });
        } else {
            validate_bodies(&m, bytes, &resources, features)?;
        }
    }
    m.compiled = (0..m.bodies.len()).map(|_| OnceLock::new()).collect();
    m.code_ptrs = (0..m.bodies.len()).map(|_| AtomicPtr::new(std::ptr::null_mut())).collect();
    Ok(m)
}

/// The largest function body accepted, in bytes: the limit of the JS embedding, which
/// wasmparser's validator also applies to each code section entry.
const MAX_FUNCTION_BODY_BYTES: usize = 7_654_321;

/// Splits the code section's `entries` (the bytes after its count) into the ranges of its
/// `count` function bodies, appending them to `bodies`. The bodies themselves are decoded
/// when validated or translated.
///
/// # Errors
/// If an entry's size is malformed, too large or runs past the section, or bytes are left
/// after the last entry.
fn split_bodies(
    bytes: &[u8],
    entries: Range<usize>,
    count: u32,
    bodies: &mut Vec<Range<usize>>,
) -> Result<()> {
    let mut reader = BinaryReader::new(&bytes[entries.clone()], entries.start as u64);
    // Every entry takes at least a byte: an untrusted count reserves no more than that.
    bodies.reserve((count as usize).min(entries.len()));
    for _ in 0..count {
        let size = reader.read_var_u32().map_err(invalid)? as usize;
        if size > MAX_FUNCTION_BODY_BYTES {
            return Err(invalid(format!(
                "function body size is out of bounds (at offset {:#x})",
                reader.original_position()
            )));
        }
        let start = reader.original_position() as usize;
        reader.read_bytes(size).map_err(invalid)?;
        bodies.push(start..start + size);
    }
    if !reader.eof() {
        return Err(invalid(format!(
            "trailing bytes at end of section (at offset {:#x})",
            reader.original_position()
        )));
    }
    Ok(())
}

fn function_body(bytes: &[u8], range: Range<usize>) -> FunctionBody<'_> {
    FunctionBody::new(BinaryReader::new(&bytes[range.clone()], range.start as u64))
}

/// Code sections at least this large are validated on several threads.
const PARALLEL_VALIDATION_BYTES: usize = 1 << 20;

/// The threads worth using for one module, asked of the system once: the answer reads
/// cgroup files, which took an eighth of loading a large module when asked each time.
fn available_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(8))
}

/// Validates every function body of `m` (whose bodies `bytes` holds): in contiguous
/// chunks, one per thread, if the code is large; otherwise on this thread, where threads
/// would cost more than they save.
fn validate_bodies(
    m: &ModuleInner,
    bytes: &[u8],
    resources: &wasmparser::ValidatorResources,
    features: WasmFeatures,
) -> Result<()> {
    let validate = |defined: Range<usize>| -> Result<()> {
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        for i in defined {
            let index = m.num_imported_funcs + i as u32;
            let func = wasmparser::FuncToValidate {
                resources: resources.clone(),
                index,
                ty: m.funcs[index as usize],
                features,
            };
            let mut validator = func.into_validator(allocs);
            validator.validate(&function_body(bytes, m.bodies[i].clone())).map_err(invalid)?;
            allocs = validator.into_allocations();
        }
        Ok(())
    };
    let code_bytes = m.bodies.first().zip(m.bodies.last()).map_or(0, |(a, b)| b.end - a.start);
    let threads = available_threads();
    if code_bytes < PARALLEL_VALIDATION_BYTES || threads < 2 {
        return validate(0..m.bodies.len());
    }
    let chunk = m.bodies.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let validate = &validate;
        let workers: Vec<_> = (0..m.bodies.len())
            .step_by(chunk)
            .map(|start| scope.spawn(move || validate(start..(start + chunk).min(m.bodies.len()))))
            .collect();
        let mut outcome = Ok(());
        for w in workers {
            let r = w.join().unwrap_or_else(|_| Err(Error::InvalidModule("validator thread failed".into())));
            if outcome.is_ok() {
                outcome = r;
            }
        }
        outcome
    })
}

pub(super) fn read_names(
    out: &mut super::Names,
    names: wasmparser::NameSectionReader<'_>,
) -> Result<(), wasmparser::BinaryReaderError> {
    for name in names {
        match name? {
            Name::Module { name, .. } => out.module = Some(name.to_string()),
            Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    out.funcs.insert(naming.index, naming.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(())
}
