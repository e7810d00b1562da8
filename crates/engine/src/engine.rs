//! [`Config`] and [`Engine`]: settings shared by every module and store built from them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::value::FuncType;

/// Engine-wide settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) lazy_translation: bool,
    pub(crate) lazy_validation: bool,
    pub(crate) consume_fuel: bool,
    pub(crate) interruptible: bool,
    pub(crate) max_call_depth: usize,
    pub(crate) max_stack_slots: usize,
    pub(crate) simd: bool,
    pub(crate) tail_call: bool,
    pub(crate) extended_const: bool,
    pub(crate) multi_memory: bool,
    pub(crate) pooled_memories: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            lazy_translation: true,
            lazy_validation: false,
            consume_fuel: false,
            interruptible: false,
            max_call_depth: 10_000,
            max_stack_slots: 1 << 20,
            simd: true,
            tail_call: true,
            extended_const: true,
            multi_memory: true,
            pooled_memories: 0,
        }
    }
}

impl Config {
    pub fn new() -> Config {
        Config::default()
    }

    /// Translate function bodies on first call (the default) or all at load time.
    /// Validation is done at load time unless [`Config::lazy_validation`] is on.
    pub fn lazy_translation(&mut self, lazy: bool) -> &mut Config {
        self.lazy_translation = lazy;
        self
    }

    /// Validates each function body on its first call, just before translating it, instead of
    /// at load time (off by default; wasmi calls this mode `Lazy`). Everything else in the
    /// module (types, imports, exports, segments, constant expressions) is still validated at
    /// load time.
    ///
    /// This is **not conforming**: the spec rejects a module with an invalid body before it
    /// runs, while in this mode [`crate::Module::new`] accepts it and the first call of the
    /// invalid function fails with [`crate::Error::InvalidModule`] (other functions may have run
    /// by then). It is for trusted, known-valid modules whose start-up matters: eager
    /// validation is most of a large module's load time. With lazy translation off, every body
    /// is still validated at load, as it is translated.
    pub fn lazy_validation(&mut self, lazy: bool) -> &mut Config {
        self.lazy_validation = lazy;
        self
    }

    /// Makes execution consume fuel; a store then runs only while it has fuel left
    /// (see [`crate::Store::set_fuel`]). Charged per straight-line block, deterministically.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Config {
        self.consume_fuel = enable;
        self
    }

    /// Makes running guests check the store's [`crate::InterruptHandle`] at function entries and
    /// loop headers, so another thread can stop them (wall-clock deadlines).
    pub fn interruptible(&mut self, enable: bool) -> &mut Config {
        self.interruptible = enable;
        self
    }

    /// The deepest guest call nesting before the `call stack exhausted` trap.
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Config {
        self.max_call_depth = depth;
        self
    }

    /// Accept fixed-width SIMD (`v128`) instructions (on by default).
    pub fn wasm_simd(&mut self, enable: bool) -> &mut Config {
        self.simd = enable;
        self
    }

    /// Accept the tail-call proposal's `return_call*` (on by default).
    pub fn wasm_tail_call(&mut self, enable: bool) -> &mut Config {
        self.tail_call = enable;
        self
    }

    /// Accept extended constant expressions (on by default).
    pub fn wasm_extended_const(&mut self, enable: bool) -> &mut Config {
        self.extended_const = enable;
        self
    }

    /// Accept more than one memory (on by default). Turning it off gives exactly the
    /// WebAssembly 2.0 rules, where a second memory is invalid.
    /// Keeps up to `n` linear-memory buffers of dropped stores for new instances to reuse
    /// (zeroed again before reuse), instead of allocating each memory afresh: for servers
    /// that make one short-lived store per request. 0 (the default) keeps none.
    pub fn pooled_memories(&mut self, n: usize) -> &mut Config {
        self.pooled_memories = n;
        self
    }

    pub fn wasm_multi_memory(&mut self, enable: bool) -> &mut Config {
        self.multi_memory = enable;
        self
    }

    /// The most 64-bit value-stack slots all active frames may use together.
    pub fn max_stack_slots(&mut self, slots: usize) -> &mut Config {
        self.max_stack_slots = slots;
        self
    }
}

/// Interned function types: equal signatures share an id, so `call_indirect` compares integers.
#[derive(Default, Debug)]
struct TypeRegistry {
    ids: HashMap<FuncType, u32>,
    types: Vec<FuncType>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
    types: Mutex<TypeRegistry>,
    /// Linear memories' buffers from dropped stores, for new instances to reuse.
    memory_pool: Mutex<Vec<Vec<u8>>>,
}

/// The compilation environment; cheap to clone and shared by modules and stores.
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(&Config::default())
    }
}

impl Engine {
    pub fn new(config: &Config) -> Engine {
        Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                types: Mutex::default(),
                memory_pool: Mutex::default(),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A zeroed buffer of `bytes` for a new linear memory: a pooled one when there is one.
    pub(crate) fn new_memory(&self, bytes: usize) -> Vec<u8> {
        if self.inner.config.pooled_memories > 0 {
            let pooled = self.inner.memory_pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
            if let Some(mut buf) = pooled {
                // Every byte a previous store could have written is zeroed again.
                buf.clear();
                buf.resize(bytes, 0);
                return buf;
            }
        }
        vec![0; bytes]
    }

    /// Takes back a dropped store's memory buffer, if the pool has room.
    pub(crate) fn recycle_memory(&self, buf: Vec<u8>) {
        let max = self.inner.config.pooled_memories;
        // Only buffers of a size servers reuse: a guest that grew to gigabytes keeps none.
        if max == 0 || buf.capacity() > 64 << 20 {
            return;
        }
        let mut pool = self.inner.memory_pool.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < max {
            pool.push(buf);
        }
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Returns the engine-wide id of `ty`, registering it if new.
    pub(crate) fn intern_type(&self, ty: &FuncType) -> u32 {
        let mut reg = self.inner.types.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = reg.ids.get(ty) {
            return id;
        }
        let id = reg.types.len() as u32;
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
    }

    /// The signature registered under `id`.
    pub(crate) fn func_type(&self, id: u32) -> FuncType {
        let reg = self.inner.types.lock().unwrap_or_else(|e| e.into_inner());
        reg.types[id as usize].clone()
    }
}
