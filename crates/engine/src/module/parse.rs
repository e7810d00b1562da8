//! Reads a binary module with `wasmparser`, validating every payload as it goes.

use std::collections::HashMap;
use std::sync::atomic::AtomicPtr;
use std::sync::{Arc, OnceLock};

use wasmparser::{
    ElementItems, ElementKind, ExternalKind, Name, Operator, Parser, Payload, TypeRef, Validator,
    WasmFeatures,
};

use super::{
    ConstExpr, ConstOp, DataMode, DataSegment, ElemMode, ElemSegment, ExportIndex, ExternType, GlobalDef,
    GlobalType, ImportType, LazyValidation, MemoryType, ModuleInner, TableType,
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
    let mut func_allocs = wasmparser::FuncValidatorAllocations::default();
    // Large code sections validate their function bodies on several threads after the
    // rest of the module is read; small ones inline, where threads would cost more.
    let mut parallel = false;
    let mut deferred = Vec::new();
    for payload in parser.parse_all(bytes) {
        let payload = payload.map_err(invalid)?;
        let valid = validator.payload(&payload).map_err(invalid)?;
        if let wasmparser::ValidPayload::Func(func, body) = valid {
            let start = body.as_bytes().as_ptr() as usize - base;
            m.bodies.push(start..start + body.as_bytes().len());
            if engine.config().lazy_validation {
                let lazy = m.lazy_validation.get_or_insert_with(|| LazyValidation {
                    resources: func.resources.clone(),
                    features: func.features,
                    types: Vec::new(),
                    allocations: Default::default(),
                });
                lazy.types.push(func.ty);
            } else if parallel {
                deferred.push((func, body));
            } else {
                let mut fv = func.into_validator(std::mem::take(&mut func_allocs));
                fv.validate(&body).map_err(invalid)?;
                func_allocs = fv.into_allocations();
            }
            continue;
        }
        match payload {
            Payload::CodeSectionStart { size, .. } => {
                parallel = size as usize >= PARALLEL_VALIDATION_BYTES && available_threads() > 1;
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
                    let mut items = Vec::new();
                    match elem.items {
                        ElementItems::Functions(funcs) => {
                            for f in funcs {
                                let f = f.map_err(invalid)?;
                                items.push(ConstExpr(Box::new([ConstOp::RefFunc(f)])));
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for e in exprs {
                                items.push(const_expr(&e.map_err(invalid)?)?);
                            }
                        }
                    }
                    m.elems.push(ElemSegment { mode, items: items.into_boxed_slice() });
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
            _ => {}
        }
    }
    validate_bodies(deferred)?;
    m.compiled = (0..m.bodies.len()).map(|_| OnceLock::new()).collect();
    m.code_ptrs = (0..m.bodies.len()).map(|_| AtomicPtr::new(std::ptr::null_mut())).collect();
    Ok(m)
}

/// Code sections at least this large are validated on several threads.
const PARALLEL_VALIDATION_BYTES: usize = 1 << 20;

fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(8)
}

type DeferredBody<'a> =
    (wasmparser::FuncToValidate<wasmparser::ValidatorResources>, wasmparser::FunctionBody<'a>);

/// Validates function bodies in contiguous chunks, one chunk per thread.
fn validate_bodies(deferred: Vec<DeferredBody<'_>>) -> Result<()> {
    if deferred.is_empty() {
        return Ok(());
    }
    let chunk = deferred.len().div_ceil(available_threads());
    let mut chunks = Vec::new();
    let mut rest = deferred;
    while rest.len() > chunk {
        let tail = rest.split_off(chunk);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut allocs = wasmparser::FuncValidatorAllocations::default();
                    for (func, body) in chunk {
                        let mut fv = func.into_validator(allocs);
                        fv.validate(&body).map_err(invalid)?;
                        allocs = fv.into_allocations();
                    }
                    Ok(())
                })
            })
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
