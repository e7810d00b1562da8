//! [`Store`]: owns every runtime entity (functions, memories, tables, globals, instances)
//! and the host state `T`. Handles like [`Func`] and [`Memory`] are indices into a store.

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::engine::Engine;
use crate::error::{Error, Result, TrapCode};
use crate::func::HostFn;
use crate::module::{GlobalType, MemoryType, ModuleInner, TableType};
use crate::value::{FuncType, Val};

/// Bytes in one page of linear memory.
pub const PAGE_SIZE: u64 = 65536;

/// Grows by more than this many bytes get a fresh, lazily zeroed buffer (see
/// `StoreInner::grow_memory`); smaller ones grow in place.
const LAZY_ZERO_GROW_BYTES: usize = 16 << 20;

/// A function in a store: a wasm function of some instance, or a host function.
#[derive(Debug)]
pub(crate) enum FuncEntity {
    Wasm { instance: u32, index: u32, ty: u32 },
    Host { ty: u32, host: u32 },
}

impl FuncEntity {
    pub(crate) fn type_id(&self) -> u32 {
        match self {
            FuncEntity::Wasm { ty, .. } | FuncEntity::Host { ty, .. } => *ty,
        }
    }
}

#[derive(Debug)]
pub(crate) struct MemoryEntity {
    pub(crate) data: Vec<u8>,
    pub(crate) ty: MemoryType,
}

#[derive(Debug)]
pub(crate) struct TableEntity {
    pub(crate) elems: Vec<u64>,
    pub(crate) ty: TableType,
}

#[derive(Debug)]
pub(crate) struct GlobalEntity {
    pub(crate) bits: u128,
    pub(crate) ty: GlobalType,
}

/// An instantiated module: its module and where its entities live in the store.
#[derive(Debug)]
pub(crate) struct InstanceEntity {
    pub(crate) module: Arc<ModuleInner>,
    pub(crate) funcs: Vec<u32>,
    pub(crate) tables: Vec<u32>,
    pub(crate) memories: Vec<u32>,
    pub(crate) globals: Vec<u32>,
    /// Element segments as resolved references; emptied by `elem.drop`.
    pub(crate) elems: Vec<Arc<[u64]>>,
    /// Whether each data segment was dropped (`data.drop` or active initialisation).
    pub(crate) data_dropped: Vec<bool>,
}

/// Resource limits checked when memories and tables grow.
#[derive(Clone, Debug, Default)]
pub struct StoreLimits {
    /// Most bytes any one linear memory may reach.
    pub max_memory_bytes: Option<u64>,
    /// Most elements any one table may reach.
    pub max_table_elements: Option<u64>,
}

/// Stops a running guest from another thread (see [`crate::Config::interruptible`]).
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    flag: Arc<AtomicBool>,
}

impl InterruptHandle {
    /// Asks the guest to stop; it traps with `interrupted` at its next check.
    pub fn interrupt(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Whether an interrupt is pending: host functions that block (sleeps, polls) check
    /// it and return a `TrapCode::Interrupted` trap so deadlines hold while they wait.
    pub fn is_interrupted(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// The non-generic part of a store, which the executor works on directly.
#[derive(Debug)]
pub(crate) struct StoreInner {
    pub(crate) engine: Engine,
    pub(crate) funcs: Vec<FuncEntity>,
    pub(crate) memories: Vec<MemoryEntity>,
    pub(crate) tables: Vec<TableEntity>,
    pub(crate) globals: Vec<GlobalEntity>,
    pub(crate) instances: Vec<InstanceEntity>,
    pub(crate) externs: Vec<Box<dyn Any + Send + Sync>>,
    pub(crate) fuel: u64,
    pub(crate) limits: StoreLimits,
    pub(crate) interrupt: Arc<AtomicBool>,
    /// Reused value stack, so repeated calls do not allocate.
    pub(crate) stack: Vec<u64>,
    /// Guest frames active in executions further up the host stack (host → wasm re-entry).
    pub(crate) depth: usize,
    /// Executions active on the host stack (host functions re-entering the guest).
    pub(crate) reentry: usize,
    /// Unique per store. A host function gets `&mut Store`, so it can replace the whole store
    /// (`std::mem::replace`); the interpreter compares this after every host call and stops
    /// at once if it changed, before touching anything that pointed into the old store.
    pub(crate) id: u64,
}

impl Drop for StoreInner {
    fn drop(&mut self) {
        for m in &mut self.memories {
            self.engine.recycle_memory(std::mem::take(&mut m.data));
        }
    }
}

/// The next [`StoreInner::id`].
static NEXT_STORE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A host function in a store with its signature; one `Arc` so a call clones one pointer.
pub(crate) struct HostEntry<T> {
    pub(crate) ty: FuncType,
    pub(crate) func: HostFn<T>,
}

/// All runtime state of a group of instances, plus the embedder's data `T`.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    /// Host functions with their signatures, so calls need no type-registry lookup.
    pub(crate) hosts: Vec<Arc<HostEntry<T>>>,
    data: T,
}

impl<T> Store<T> {
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: StoreInner {
                engine: engine.clone(),
                funcs: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                instances: Vec::new(),
                externs: Vec::new(),
                fuel: 0,
                limits: StoreLimits::default(),
                interrupt: Arc::new(AtomicBool::new(false)),
                stack: Vec::new(),
                depth: 0,
                reentry: 0,
                id: NEXT_STORE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            },
            hosts: Vec::new(),
            data,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn data(&self) -> &T {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    pub fn into_data(self) -> T {
        self.data
    }

    /// Sets the fuel left. Only meaningful with [`crate::Config::consume_fuel`].
    ///
    /// # Errors
    /// If fuel consumption is not enabled on the engine.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        if !self.inner.engine.config().consume_fuel {
            return Err(Error::Limit("fuel is not enabled in this engine's Config".into()));
        }
        self.inner.fuel = fuel;
        Ok(())
    }

    /// The fuel left.
    ///
    /// # Errors
    /// If fuel consumption is not enabled on the engine.
    pub fn get_fuel(&self) -> Result<u64> {
        if !self.inner.engine.config().consume_fuel {
            return Err(Error::Limit("fuel is not enabled in this engine's Config".into()));
        }
        Ok(self.inner.fuel)
    }

    /// Sets the limits on memory and table growth.
    pub fn limiter(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
    }

    /// A handle that interrupts guests running in this store.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle { flag: self.inner.interrupt.clone() }
    }

    /// Runs `k` with `f`'s signature, borrowed where it lives (no registry lock, no copy).
    pub(crate) fn with_func_type<R>(&self, f: Func, k: impl FnOnce(&FuncType) -> R) -> R {
        match self.inner.funcs[f.0 as usize] {
            FuncEntity::Wasm { instance, index, .. } => {
                k(self.inner.instances[instance as usize].module.func_type(index))
            }
            FuncEntity::Host { host, .. } => k(&self.hosts[host as usize].ty),
        }
    }

    pub(crate) fn alloc_host_func(&mut self, ty: &FuncType, f: HostFn<T>) -> Func {
        let ty_owned = ty.clone();
        let ty = self.inner.engine.intern_type(ty);
        let host = self.hosts.len() as u32;
        self.hosts.push(Arc::new(HostEntry { ty: ty_owned, func: f }));
        self.inner.alloc_func(FuncEntity::Host { ty, host })
    }
}

impl StoreInner {
    pub(crate) fn alloc_func(&mut self, f: FuncEntity) -> Func {
        self.funcs.push(f);
        Func(self.funcs.len() as u32 - 1)
    }

    /// Checks `interrupt` and clears it, so one request stops one run.
    pub(crate) fn take_interrupt(&self) -> bool {
        self.interrupt.swap(false, Ordering::Relaxed)
    }

    pub(crate) fn func_type(&self, f: Func) -> FuncType {
        self.engine.func_type(self.funcs[f.0 as usize].type_id())
    }

    /// Grows memory `m` by `delta` pages; returns the old size in pages, or `None` if it
    /// cannot grow (beyond its maximum, the store's limit, or the address space).
    pub(crate) fn grow_memory(&mut self, m: u32, delta: u64) -> Option<u64> {
        let limit = self.limits.max_memory_bytes;
        let mem = &mut self.memories[m as usize];
        let old = mem.data.len() as u64 / PAGE_SIZE;
        let new = old.checked_add(delta)?;
        let max = mem.ty.max.unwrap_or(if mem.ty.memory64 { 1 << 48 } else { 1 << 16 });
        if new > max || new > (1 << 16) {
            return None;
        }
        if let Some(limit) = limit {
            if new * PAGE_SIZE > limit {
                return None;
            }
        }
        let bytes = usize::try_from(new * PAGE_SIZE).ok()?;
        if bytes - mem.data.len() > LAZY_ZERO_GROW_BYTES {
            // A large grow: a fresh zeroed allocation is backed by the OS lazily, so pages the
            // guest never touches are never committed (zero-filling in place would commit
            // them all); the copy of the old contents is small next to the grow.
            let mut grown = vec![0u8; bytes];
            grown[..mem.data.len()].copy_from_slice(&mem.data);
            mem.data = grown;
            return Some(old);
        }
        if bytes > mem.data.capacity() {
            // Doubling keeps repeated small grows linear. Reserving in place lets the
            // allocator move a large buffer by remapping its pages (`mremap`) instead of
            // copying them: a fresh allocation plus a copy made the first `memory.grow` of a
            // start-up cost more than everything else in the first call (measured: perf,
            // `tessera-ab --startup`). Capacity beyond the new size is never touched.
            let max_bytes = usize::try_from(max.min(1 << 16) * PAGE_SIZE).ok()?;
            let cap = bytes.max(mem.data.len().saturating_mul(2).min(max_bytes));
            mem.data.reserve_exact(cap - mem.data.len());
        }
        mem.data.resize(bytes, 0);
        Some(old)
    }

    /// Grows table `t` by `delta` elements set to `init`; returns the old size, or `None`.
    pub(crate) fn grow_table(&mut self, t: u32, delta: u64, init: u64) -> Option<u64> {
        let limit = self.limits.max_table_elements;
        let table = &mut self.tables[t as usize];
        let old = table.elems.len() as u64;
        let new = old.checked_add(delta)?;
        if new > table.ty.max.unwrap_or(u64::from(u32::MAX)) || new > u64::from(u32::MAX) {
            return None;
        }
        if limit.is_some_and(|l| new > l) {
            return None;
        }
        let new = usize::try_from(new).ok()?;
        if table.elems.try_reserve_exact(new - table.elems.len()).is_err() {
            return None;
        }
        table.elems.resize(new, init);
        Some(old)
    }
}

/// A function in a store (wasm or host). Copy it freely; it is an index.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32);

impl Func {
    pub(crate) fn raw(self) -> u64 {
        u64::from(self.0) + 1
    }

    pub(crate) fn from_raw(raw: u64) -> Option<Func> {
        raw.checked_sub(1).map(|i| Func(i as u32))
    }

    /// This function's signature.
    pub fn ty<T>(&self, store: &Store<T>) -> FuncType {
        store.with_func_type(*self, FuncType::clone)
    }
}

/// An opaque host value passed to wasm as `externref`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef(pub(crate) u32);

impl ExternRef {
    /// Stores `value` in the store and returns a reference to it.
    pub fn new<T>(store: &mut Store<T>, value: impl Any + Send + Sync) -> ExternRef {
        store.inner.externs.push(Box::new(value));
        ExternRef(store.inner.externs.len() as u32 - 1)
    }

    /// The host value this reference points to.
    pub fn data<'a, T>(&self, store: &'a Store<T>) -> &'a (dyn Any + Send + Sync) {
        &*store.inner.externs[self.0 as usize]
    }

    pub(crate) fn raw(self) -> u64 {
        u64::from(self.0) + 1
    }

    pub(crate) fn from_raw(raw: u64) -> Option<ExternRef> {
        raw.checked_sub(1).map(|i| ExternRef(i as u32))
    }
}

/// A linear memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) u32);

impl Memory {
    /// Creates a memory owned by the host (for imports).
    ///
    /// # Errors
    /// If the minimum size exceeds the address space or the store's limit.
    pub fn new<T>(store: &mut Store<T>, ty: MemoryType) -> Result<Memory> {
        let bytes = ty.min.checked_mul(PAGE_SIZE).filter(|b| *b <= (1 << 32));
        let bytes = bytes.ok_or_else(|| Error::Limit("memory minimum too large".into()))?;
        if store.inner.limits.max_memory_bytes.is_some_and(|l| bytes > l) {
            return Err(Error::Limit(format!("memory of {bytes} bytes exceeds the limit")));
        }
        store.inner.memories.push(MemoryEntity { data: vec![0; bytes as usize], ty });
        Ok(Memory(store.inner.memories.len() as u32 - 1))
    }

    pub fn ty<T>(&self, store: &Store<T>) -> MemoryType {
        let m = &store.inner.memories[self.0 as usize];
        MemoryType { min: m.data.len() as u64 / PAGE_SIZE, ..m.ty }
    }

    pub fn data<'a, T>(&self, store: &'a Store<T>) -> &'a [u8] {
        &store.inner.memories[self.0 as usize].data
    }

    pub fn data_mut<'a, T>(&self, store: &'a mut Store<T>) -> &'a mut [u8] {
        &mut store.inner.memories[self.0 as usize].data
    }

    /// The memory's bytes and the store's host state at once, for host functions that
    /// move data between the two.
    pub fn data_and_store_mut<'a, T>(&self, store: &'a mut Store<T>) -> (&'a mut [u8], &'a mut T) {
        (&mut store.inner.memories[self.0 as usize].data, &mut store.data)
    }

    /// Size in pages.
    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        store.inner.memories[self.0 as usize].data.len() as u64 / PAGE_SIZE
    }

    /// Grows by `delta` pages; returns the previous size in pages.
    ///
    /// # Errors
    /// If the memory cannot grow that far.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64) -> Result<u64> {
        store
            .inner
            .grow_memory(self.0, delta)
            .ok_or_else(|| Error::Limit("memory cannot grow by that many pages".into()))
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    ///
    /// # Errors
    /// If the range is out of bounds.
    pub fn read<T>(&self, store: &Store<T>, offset: usize, buf: &mut [u8]) -> Result<()> {
        let data = self.data(store);
        let end = offset.checked_add(buf.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
        buf.copy_from_slice(data.get(offset..end).ok_or(TrapCode::MemoryOutOfBounds)?);
        Ok(())
    }

    /// Copies `buf` into memory at `offset`.
    ///
    /// # Errors
    /// If the range is out of bounds.
    pub fn write<T>(&self, store: &mut Store<T>, offset: usize, buf: &[u8]) -> Result<()> {
        let data = self.data_mut(store);
        let end = offset.checked_add(buf.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
        data.get_mut(offset..end).ok_or(TrapCode::MemoryOutOfBounds)?.copy_from_slice(buf);
        Ok(())
    }
}

/// A table of references.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32);

impl Table {
    /// Creates a table owned by the host, every element set to `init`.
    ///
    /// # Errors
    /// If `init` does not match the element type or the size exceeds the limits.
    pub fn new<T>(store: &mut Store<T>, ty: TableType, init: Val) -> Result<Table> {
        if init.ty() != ty.element {
            return Err(Error::BadArguments("table initial value has the wrong type".into()));
        }
        if store.inner.limits.max_table_elements.is_some_and(|l| ty.min > l) || ty.min > u64::from(u32::MAX) {
            return Err(Error::Limit("table minimum exceeds the limit".into()));
        }
        let raw = init.to_bits() as u64;
        store.inner.tables.push(TableEntity { elems: vec![raw; ty.min as usize], ty });
        Ok(Table(store.inner.tables.len() as u32 - 1))
    }

    pub fn ty<T>(&self, store: &Store<T>) -> TableType {
        let t = &store.inner.tables[self.0 as usize];
        TableType { min: t.elems.len() as u64, ..t.ty }
    }

    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        store.inner.tables[self.0 as usize].elems.len() as u64
    }

    pub fn get<T>(&self, store: &Store<T>, index: u64) -> Option<Val> {
        let t = &store.inner.tables[self.0 as usize];
        let raw = *t.elems.get(usize::try_from(index).ok()?)?;
        Some(Val::from_bits(t.ty.element, u128::from(raw)))
    }

    /// # Errors
    /// If `index` is out of bounds or `val` has the wrong type.
    pub fn set<T>(&self, store: &mut Store<T>, index: u64, val: Val) -> Result<()> {
        let t = &mut store.inner.tables[self.0 as usize];
        if val.ty() != t.ty.element {
            return Err(Error::BadArguments("table element has the wrong type".into()));
        }
        let slot = usize::try_from(index).ok().and_then(|i| t.elems.get_mut(i));
        *slot.ok_or(TrapCode::TableOutOfBounds)? = val.to_bits() as u64;
        Ok(())
    }
}

/// A global variable.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) u32);

impl Global {
    /// Creates a global owned by the host.
    ///
    /// # Errors
    /// If `val` does not match the type.
    pub fn new<T>(store: &mut Store<T>, ty: GlobalType, val: Val) -> Result<Global> {
        if val.ty() != ty.content {
            return Err(Error::BadArguments("global value has the wrong type".into()));
        }
        store.inner.globals.push(GlobalEntity { bits: val.to_bits(), ty });
        Ok(Global(store.inner.globals.len() as u32 - 1))
    }

    pub fn ty<T>(&self, store: &Store<T>) -> GlobalType {
        store.inner.globals[self.0 as usize].ty
    }

    pub fn get<T>(&self, store: &Store<T>) -> Val {
        let g = &store.inner.globals[self.0 as usize];
        Val::from_bits(g.ty.content, g.bits)
    }

    /// # Errors
    /// If the global is immutable or `val` has the wrong type.
    pub fn set<T>(&self, store: &mut Store<T>, val: Val) -> Result<()> {
        let g = &mut store.inner.globals[self.0 as usize];
        if !g.ty.mutable {
            return Err(Error::BadArguments("global is immutable".into()));
        }
        if val.ty() != g.ty.content {
            return Err(Error::BadArguments("global value has the wrong type".into()));
        }
        g.bits = val.to_bits();
        Ok(())
    }
}

/// Anything that can be imported or exported.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Extern {
    Func(Func),
    Table(Table),
    Memory(Memory),
    Global(Global),
}

impl Extern {
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self {
            Some(f)
        } else {
            None
        }
    }
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self {
            Some(m)
        } else {
            None
        }
    }
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self {
            Some(t)
        } else {
            None
        }
    }
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self {
            Some(g)
        } else {
            None
        }
    }
}
