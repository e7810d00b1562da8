//! Stage 1 of the pipeline: bytes → validated [`Module`].
//!
//! Decoding and validation are `wasmparser`'s. This stage keeps what instantiation and
//! translation need: signatures, entity types, segments, constant expressions, export names,
//! the name section, and the byte range of each function body. Bodies are translated to IR by
//! stage 2 (`translate`), lazily on first call unless [`crate::Config::lazy_translation`] is off.

mod parse;
mod types;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, OnceLock};

pub(crate) use types::limits_match;
pub use types::{ExportType, ExternType, GlobalType, ImportType, MemoryType, TableType};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::translate::CompiledFunc;
use crate::value::{FuncType, ValType};

/// One operation of a constant expression (globals, segment offsets, element items).
#[derive(Copy, Clone, Debug)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

/// A validated constant expression, evaluated at instantiation.
#[derive(Clone, Debug)]
pub(crate) struct ConstExpr(pub(crate) Box<[ConstOp]>);

#[derive(Clone, Debug)]
pub(crate) enum ElemMode {
    Passive,
    Declared,
    Active { table: u32, offset: ConstExpr },
}

#[derive(Clone, Debug)]
pub(crate) struct ElemSegment {
    pub(crate) mode: ElemMode,
    pub(crate) items: ElemItems,
}

/// An element segment's items. Function indices are kept as such: compiled code puts
/// thousands of them in one table segment, and an expression each cost an allocation at
/// load and another at instantiation.
#[derive(Clone, Debug)]
pub(crate) enum ElemItems {
    Funcs(Box<[u32]>),
    Exprs(Box<[ConstExpr]>),
}

impl ElemItems {
    pub(crate) fn len(&self) -> usize {
        match self {
            ElemItems::Funcs(f) => f.len(),
            ElemItems::Exprs(e) => e.len(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Clone, Debug)]
pub(crate) struct DataSegment {
    pub(crate) mode: DataMode,
    pub(crate) bytes: Range<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct GlobalDef {
    pub(crate) ty: GlobalType,
    pub(crate) init: ConstExpr,
}

/// Which module entity an export refers to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExportIndex {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
}

/// Why a function has no code to run (cached with the code, so it is cloneable).
#[derive(Clone, Debug)]
pub(crate) enum CodeError {
    /// The body is invalid (found on first call, with lazy validation).
    Invalid(String),
    /// The body exceeds a limit of the IR.
    Unsupported(String),
}

impl From<CodeError> for Error {
    fn from(e: CodeError) -> Error {
        match e {
            CodeError::Invalid(m) => Error::InvalidModule(m),
            CodeError::Unsupported(m) => Error::Unsupported(m),
        }
    }
}

/// The validator's view of a module whose function bodies are validated on first call.
pub(crate) struct LazyValidation {
    pub(crate) resources: wasmparser::ValidatorResources,
    pub(crate) features: wasmparser::WasmFeatures,
    /// The validator's buffers, kept from one body to the next (first calls validate many
    /// small bodies; allocating the buffers afresh for each was a measurable part of them).
    pub(crate) allocations: std::sync::Mutex<wasmparser::FuncValidatorAllocations>,
}

impl std::fmt::Debug for LazyValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyValidation").field("features", &self.features).finish()
    }
}

/// Everything known about a module after validation. Shared by all its instances.
#[derive(Debug)]
pub(crate) struct ModuleInner {
    pub(crate) engine: Engine,
    /// The module's bytes; function bodies and data segments are ranges into it.
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) types: Vec<FuncType>,
    /// Engine-wide ids of `types`, for `call_indirect` signature checks.
    pub(crate) type_ids: Vec<u32>,
    /// Type index of every function, imported ones first.
    pub(crate) funcs: Vec<u32>,
    pub(crate) tables: Vec<TableType>,
    pub(crate) table_inits: Vec<Option<ConstExpr>>,
    pub(crate) memories: Vec<MemoryType>,
    pub(crate) globals: Vec<GlobalDef>,
    pub(crate) imports: Vec<ImportType>,
    pub(crate) num_imported_funcs: u32,
    pub(crate) num_imported_tables: u32,
    pub(crate) num_imported_memories: u32,
    pub(crate) num_imported_globals: u32,
    pub(crate) exports: Vec<(String, ExportIndex)>,
    pub(crate) export_map: HashMap<String, ExportIndex>,
    pub(crate) start: Option<u32>,
    pub(crate) elems: Vec<ElemSegment>,
    pub(crate) datas: Vec<DataSegment>,
    /// Byte range of each defined function's body.
    pub(crate) bodies: Vec<Range<usize>>,
    /// Translated code of each defined function, filled on first call (or at load).
    pub(crate) compiled: Vec<OnceLock<std::result::Result<Arc<CompiledFunc>, CodeError>>>,
    /// The same code as plain pointers, null until translated: what the interpreter reads
    /// on every call (one load, instead of the `OnceLock`'s state and the `Result`). Each is
    /// set once, to the `Arc` in `compiled`, which is never replaced while the module lives.
    pub(crate) code_ptrs: Box<[AtomicPtr<CompiledFunc>]>,
    /// What validating the bodies on first call needs, with [`crate::Config::lazy_validation`].
    pub(crate) lazy_validation: Option<LazyValidation>,
    /// Where the `name` custom section's contents are in `bytes`, if there is one.
    pub(crate) name_section: Option<Range<usize>>,
    /// The names, decoded from `name_section` when first needed (a backtrace, `Module::name`):
    /// a large module's name section costs about a third of its lazy-validation load time.
    pub(crate) names: OnceLock<Names>,
}

/// The module and function names of a module's name section.
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub(crate) module: Option<String>,
    pub(crate) funcs: HashMap<u32, String>,
}

/// A validated WebAssembly module, ready to instantiate any number of times.
#[derive(Clone, Debug)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl Module {
    /// Loads a module from its binary or text (`.wat`) form and validates it.
    ///
    /// # Errors
    /// If the text does not parse, or the binary is malformed or invalid.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Module::from_binary(engine, bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Error::InvalidModule("not a WebAssembly module: no `\\0asm` header, and not UTF-8 text".into())
        })?;
        Module::from_binary(engine, &parse_text(text)?)
    }

    /// Loads and validates a module in the binary format.
    ///
    /// # Errors
    /// If the binary is malformed or invalid.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let inner = parse::parse(engine, bytes)?;
        let module = Module { inner: Arc::new(inner) };
        if !engine.config().lazy_translation {
            for i in 0..module.inner.bodies.len() {
                module.inner.compiled_func(i as u32)?;
            }
        }
        Ok(module)
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name from its name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.names().module.as_deref()
    }

    pub fn imports(&self) -> impl ExactSizeIterator<Item = &ImportType> {
        self.inner.imports.iter()
    }

    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType> + '_ {
        self.inner
            .exports
            .iter()
            .map(|(name, idx)| ExportType { name: name.clone(), ty: self.inner.export_type(*idx) })
    }

    /// The translated IR of function `func` (module index), one instruction per line, for
    /// debugging the translator. `None` for imported functions.
    ///
    /// # Errors
    /// If translation fails.
    #[doc(hidden)]
    pub fn dump_ir(&self, func: u32) -> Result<Option<String>> {
        if func as usize >= self.inner.funcs.len() {
            return Err(Error::BadArguments(format!("no function {func}")));
        }
        let Some(defined) = func.checked_sub(self.inner.num_imported_funcs) else { return Ok(None) };
        let code = self.inner.compiled_func(defined)?;
        let mut out = format!("frame_slots={} local_slots={}\n", code.frame_slots, code.local_slots);
        for (pc, instr) in code.code.iter().enumerate() {
            out.push_str(&format!("{pc:4}: {instr:?}\n"));
        }
        Ok(Some(out))
    }

    /// The type of the export called `name`, if there is one.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        self.inner.export_map.get(name).map(|idx| self.inner.export_type(*idx))
    }
}

/// Encodes WebAssembly text (`wat`) to binary; errors carry the line and column.
/// Encodes WebAssembly text — a module, or a component — as binary.
///
/// # Errors
/// On a syntax error, as `text format error at LINE:COL: message`.
pub fn parse_text(text: &str) -> Result<Vec<u8>> {
    let located = |e: wast::Error| {
        let (line, col) = e.span().linecol_in(text);
        Error::Text(format!("text format error at {}:{}: {}", line + 1, col + 1, e.message()))
    };
    let buf = wast::parser::ParseBuffer::new(text).map_err(located)?;
    let mut wat = wast::parser::parse::<wast::Wat<'_>>(&buf).map_err(located)?;
    wat.encode().map_err(located)
}

impl ModuleInner {
    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }

    pub(crate) fn export_type(&self, idx: ExportIndex) -> ExternType {
        match idx {
            ExportIndex::Func(f) => ExternType::Func(self.func_type(f).clone()),
            ExportIndex::Table(t) => ExternType::Table(self.tables[t as usize]),
            ExportIndex::Memory(m) => ExternType::Memory(self.memories[m as usize]),
            ExportIndex::Global(g) => ExternType::Global(self.globals[g as usize].ty),
        }
    }

    pub(crate) fn global_type(&self, g: u32) -> ValType {
        self.globals[g as usize].ty.content
    }

    /// The translated code of defined function `defined` (index past the imports),
    /// translating it now if this is the first request.
    ///
    /// # Errors
    /// If the body is invalid (with lazy validation) or exceeds an implementation limit of
    /// the IR.
    pub(crate) fn compiled_func(&self, defined: u32) -> std::result::Result<Arc<CompiledFunc>, CodeError> {
        self.compiled_func_ref(defined).cloned()
    }

    /// Like [`Self::compiled_func`], borrowing the code instead of sharing it.
    ///
    /// # Errors
    /// As for [`Self::compiled_func`].
    pub(crate) fn compiled_func_ref(
        &self,
        defined: u32,
    ) -> std::result::Result<&Arc<CompiledFunc>, CodeError> {
        let code = self.compiled[defined as usize]
            .get_or_init(|| self.translate(defined).map(Arc::new))
            .as_ref()
            .map_err(Clone::clone)?;
        self.code_ptrs[defined as usize].store(Arc::as_ptr(code).cast_mut(), Ordering::Release);
        Ok(code)
    }

    /// The names from the name section (empty if there is none). A malformed name section
    /// is ignored from the first error on, as the spec allows.
    pub(crate) fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            let mut names = Names::default();
            if let Some(range) = &self.name_section {
                let reader = wasmparser::BinaryReader::new(&self.bytes[range.clone()], range.start as u64);
                let _ = parse::read_names(&mut names, wasmparser::NameSectionReader::new(reader));
            }
            names
        })
    }

    /// Translates defined function `defined`, validating its body in the same pass if
    /// validation was deferred to now.
    fn translate(&self, defined: u32) -> std::result::Result<CompiledFunc, CodeError> {
        let Some(lazy) = &self.lazy_validation else {
            return crate::translate::translate(self, defined, None);
        };
        let index = self.num_imported_funcs + defined;
        let func = wasmparser::FuncToValidate {
            resources: lazy.resources.clone(),
            index,
            ty: self.funcs[index as usize],
            features: lazy.features,
        };
        // Another thread translating another body meanwhile gets fresh buffers instead.
        let allocations =
            lazy.allocations.try_lock().map(|mut a| std::mem::take(&mut *a)).unwrap_or_default();
        let mut validator = func.into_validator(allocations);
        let outcome = crate::translate::translate(self, defined, Some(&mut validator));
        if let Ok(mut slot) = lazy.allocations.try_lock() {
            *slot = validator.into_allocations();
        }
        outcome
    }
}
