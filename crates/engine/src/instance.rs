//! Stage 3 of the pipeline: instantiation, in the order the spec gives — resolve imports,
//! allocate functions, tables, memories and globals, evaluate globals, then initialise
//! active element and data segments in order (a failure traps but keeps earlier writes),
//! then run the start function.

use std::sync::Arc;

use crate::error::{Error, Result, TrapCode};
use crate::module::{
    limits_match, ConstExpr, ConstOp, DataMode, ElemItems, ElemMode, ExportIndex, ExternType, Module,
};
use crate::store::{
    Extern, Func, FuncEntity, GlobalEntity, InstanceEntity, MemoryEntity, Store, StoreInner, TableEntity,
    PAGE_SIZE,
};

/// An instantiated module in a store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instance(pub(crate) u32);

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    ///
    /// # Errors
    /// If an import is missing or has the wrong type, a limit is exceeded, segment
    /// initialisation is out of bounds, or the start function traps.
    pub fn new<T>(store: &mut Store<T>, module: &Module, imports: &[Extern]) -> Result<Instance> {
        let instance = Instance::new_started(store, module, imports)?;
        let start = store.inner.instances[instance.0 as usize].module.start;
        if let Some(start) = start {
            let f = Func(store.inner.instances[instance.0 as usize].funcs[start as usize]);
            crate::exec::call(store, f, &[], &mut [])?;
        }
        Ok(instance)
    }

    /// Everything but the start function.
    fn new_started<T>(store: &mut Store<T>, module: &Module, imports: &[Extern]) -> Result<Instance> {
        let m = &module.inner;
        if !m.engine.same(&store.inner.engine) {
            return Err(Error::BadArguments("module and store belong to different engines".into()));
        }
        if imports.len() != m.imports.len() {
            return Err(Error::BadArguments(format!(
                "module needs {} imports, {} given",
                m.imports.len(),
                imports.len()
            )));
        }
        let s = &mut store.inner;
        let id = s.instances.len() as u32;
        let mut inst = InstanceEntity {
            module: m.clone(),
            funcs: Vec::with_capacity(m.funcs.len()),
            tables: Vec::with_capacity(m.tables.len()),
            memories: Vec::with_capacity(m.memories.len()),
            globals: Vec::with_capacity(m.globals.len()),
            elems: Vec::new(),
            data_dropped: vec![false; m.datas.len()],
        };
        for (import, ext) in m.imports.iter().zip(imports) {
            check_import(s, &import.ty, ext)
                .map_err(|_| Error::IncompatibleImport(format!("{}::{}", import.module, import.name)))?;
            match *ext {
                Extern::Func(f) => inst.funcs.push(f.0),
                Extern::Table(t) => inst.tables.push(t.0),
                Extern::Memory(mm) => inst.memories.push(mm.0),
                Extern::Global(g) => inst.globals.push(g.0),
            }
        }
        for i in m.num_imported_funcs..m.funcs.len() as u32 {
            let ty = m.type_ids[m.funcs[i as usize] as usize];
            let f = s.alloc_func(FuncEntity::Wasm { instance: id, index: i, ty });
            inst.funcs.push(f.0);
        }
        // Globals may refer to imported globals and to any function (ref.func).
        for g in &m.globals[m.num_imported_globals as usize..] {
            let bits = eval_const(s, &inst, &g.init);
            s.globals.push(GlobalEntity { bits, ty: g.ty });
            inst.globals.push(s.globals.len() as u32 - 1);
        }
        for (i, ty) in m.tables.iter().enumerate().skip(m.num_imported_tables as usize) {
            if s.limits.max_table_elements.is_some_and(|l| ty.min > l) {
                return Err(Error::Limit(format!("table of {} elements exceeds the limit", ty.min)));
            }
            let init = m.table_inits[i].as_ref().map_or(0, |e| eval_const(s, &inst, e) as u64);
            let len = usize::try_from(ty.min).map_err(|_| Error::Limit("table too large".into()))?;
            s.tables.push(TableEntity { elems: vec![init; len], ty: *ty });
            inst.tables.push(s.tables.len() as u32 - 1);
        }
        for ty in &m.memories[m.num_imported_memories as usize..] {
            let bytes = ty.min.checked_mul(PAGE_SIZE).filter(|b| *b <= 1 << 32);
            let bytes = bytes.ok_or_else(|| Error::Limit("memory too large".into()))?;
            if s.limits.max_memory_bytes.is_some_and(|l| bytes > l) {
                return Err(Error::Limit(format!(
                    "memory of {bytes} bytes exceeds the limit of {} bytes",
                    s.limits.max_memory_bytes.unwrap_or(0)
                )));
            }
            s.memories.push(MemoryEntity { data: s.engine.new_memory(bytes as usize), ty: *ty });
            inst.memories.push(s.memories.len() as u32 - 1);
        }
        for seg in &m.elems {
            let items: Arc<[u64]> = match seg.mode {
                ElemMode::Passive => elem_values(s, &inst, &seg.items).collect(),
                _ => Arc::new([]),
            };
            inst.elems.push(items);
        }
        s.instances.push(inst);
        let instance = Instance(id);

        // Active segments, in order; a failure leaves earlier writes in place.
        for (i, seg) in m.elems.iter().enumerate() {
            match &seg.mode {
                ElemMode::Active { table, offset } => {
                    let inst = &s.instances[id as usize];
                    let offset = eval_const(s, inst, offset) as u32 as usize;
                    let t = inst.tables[*table as usize] as usize;
                    let end = offset.checked_add(seg.items.len()).filter(|e| *e <= s.tables[t].elems.len());
                    let end = end.ok_or(TrapCode::TableOutOfBounds)?;
                    let items: Vec<u64> = elem_values(s, inst, &seg.items).collect();
                    s.tables[t].elems[offset..end].copy_from_slice(&items);
                }
                ElemMode::Declared => {}
                ElemMode::Passive => continue,
            }
            s.instances[id as usize].elems[i] = Arc::new([]);
        }
        for (i, seg) in m.datas.iter().enumerate() {
            if let DataMode::Active { memory, offset } = &seg.mode {
                let inst = &s.instances[id as usize];
                let offset = eval_const(s, inst, offset) as u32 as usize;
                let mem = inst.memories[*memory as usize];
                let bytes = &m.bytes[seg.bytes.clone()];
                let data = &mut s.memories[mem as usize].data;
                let end = offset.checked_add(bytes.len()).filter(|e| *e <= data.len());
                let end = end.ok_or(TrapCode::MemoryOutOfBounds)?;
                data[offset..end].copy_from_slice(bytes);
                s.instances[id as usize].data_dropped[i] = true;
            }
        }
        Ok(instance)
    }

    /// The export called `name`, if any.
    pub fn get_export<T>(&self, store: &Store<T>, name: &str) -> Option<Extern> {
        let inst = &store.inner.instances[self.0 as usize];
        let idx = *inst.module.export_map.get(name)?;
        Some(export_extern(inst, idx))
    }

    pub fn get_func<T>(&self, store: &Store<T>, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    pub fn get_memory<T>(&self, store: &Store<T>, name: &str) -> Option<crate::Memory> {
        self.get_export(store, name)?.into_memory()
    }

    pub fn get_global<T>(&self, store: &Store<T>, name: &str) -> Option<crate::Global> {
        self.get_export(store, name)?.into_global()
    }

    pub fn get_table<T>(&self, store: &Store<T>, name: &str) -> Option<crate::Table> {
        self.get_export(store, name)?.into_table()
    }

    /// A typed view of the exported function `name`.
    ///
    /// # Errors
    /// If there is no such function or its signature differs.
    pub fn get_typed_func<P: crate::WasmParams, R: crate::WasmResults, T>(
        &self,
        store: &Store<T>,
        name: &str,
    ) -> Result<crate::TypedFunc<P, R>> {
        let f = self
            .get_func(store, name)
            .ok_or_else(|| Error::BadArguments(format!("no exported function named `{name}`")))?;
        f.typed(store)
    }

    /// All exports, in the module's order.
    pub fn exports<T>(&self, store: &Store<T>) -> Vec<(String, Extern)> {
        let inst = &store.inner.instances[self.0 as usize];
        inst.module.exports.iter().map(|(n, idx)| (n.clone(), export_extern(inst, *idx))).collect()
    }

    /// The module this is an instance of.
    pub fn module<T>(&self, store: &Store<T>) -> Module {
        Module { inner: store.inner.instances[self.0 as usize].module.clone() }
    }
}

fn export_extern(inst: &InstanceEntity, idx: ExportIndex) -> Extern {
    match idx {
        ExportIndex::Func(i) => Extern::Func(Func(inst.funcs[i as usize])),
        ExportIndex::Table(i) => Extern::Table(crate::Table(inst.tables[i as usize])),
        ExportIndex::Memory(i) => Extern::Memory(crate::Memory(inst.memories[i as usize])),
        ExportIndex::Global(i) => Extern::Global(crate::Global(inst.globals[i as usize])),
    }
}

/// Whether `ext` may satisfy an import of type `expected`.
pub(crate) fn check_import(s: &StoreInner, expected: &ExternType, ext: &Extern) -> Result<(), ()> {
    let ok = match (expected, ext) {
        (ExternType::Func(ty), Extern::Func(f)) => &s.func_type(*f) == ty,
        (ExternType::Table(ty), Extern::Table(t)) => {
            let t = &s.tables[t.0 as usize];
            t.ty.element == ty.element && limits_match(t.elems.len() as u64, t.ty.max, ty.min, ty.max)
        }
        (ExternType::Memory(ty), Extern::Memory(m)) => {
            let m = &s.memories[m.0 as usize];
            m.ty.memory64 == ty.memory64
                && m.ty.shared == ty.shared
                && limits_match(m.data.len() as u64 / PAGE_SIZE, m.ty.max, ty.min, ty.max)
        }
        (ExternType::Global(ty), Extern::Global(g)) => s.globals[g.0 as usize].ty == *ty,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

/// The values of an element segment's items, as table entries.
fn elem_values<'a>(
    s: &'a StoreInner,
    inst: &'a InstanceEntity,
    items: &'a ElemItems,
) -> impl Iterator<Item = u64> + 'a {
    (0..items.len()).map(move |i| match items {
        ElemItems::Funcs(funcs) => Func(inst.funcs[funcs[i] as usize]).raw(),
        ElemItems::Exprs(exprs) => eval_const(s, inst, &exprs[i]) as u64,
    })
}

/// Evaluates a validated constant expression.
pub(crate) fn eval_const(s: &StoreInner, inst: &InstanceEntity, expr: &ConstExpr) -> u128 {
    // Most are one constant, `ref.func` or `global.get`: no stack needed.
    if let [op] = &expr.0[..] {
        if let Some(v) = const_operand(s, inst, *op) {
            return v;
        }
    }
    let mut stack: Vec<u128> = Vec::with_capacity(2);
    for op in expr.0.iter() {
        let v = match *op {
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = stack.pop().unwrap_or(0) as u32;
                let a = stack.pop().unwrap_or(0) as u32;
                u128::from(match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = stack.pop().unwrap_or(0) as u64;
                let a = stack.pop().unwrap_or(0) as u64;
                u128::from(match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            operand => const_operand(s, inst, operand).unwrap_or(0),
        };
        stack.push(v);
    }
    stack.pop().unwrap_or(0)
}

/// The value an operand of a constant expression pushes; `None` for an operator.
fn const_operand(s: &StoreInner, inst: &InstanceEntity, op: ConstOp) -> Option<u128> {
    Some(match op {
        ConstOp::I32(v) => v as u32 as u128,
        ConstOp::I64(v) => v as u64 as u128,
        ConstOp::F32(v) => v as u128,
        ConstOp::F64(v) => v as u128,
        ConstOp::V128(v) => v,
        ConstOp::RefNull => 0,
        ConstOp::RefFunc(f) => Func(inst.funcs[f as usize]).raw() as u128,
        ConstOp::GlobalGet(g) => s.globals[inst.globals[g as usize] as usize].bits,
        _ => return None,
    })
}
