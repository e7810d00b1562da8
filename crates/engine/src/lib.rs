//! Tessera's core WebAssembly engine.
//!
//! The pipeline, one module per stage:
//! 1. [`module`]: bytes (binary or text) → validated [`Module`] (`wasmparser`).
//! 2. `translate`: each function body → register IR ([`ir`]), lazily on first call by default,
//!    then verified: the interpreter relies on every slot and jump being in range.
//! 3. `instance`: [`Instance`] creation in the spec's order, imports resolved by [`Linker`].
//! 4. `exec`: the interpreter loop over the IR, with an explicit call stack.
//!
//! The embedding API follows the shape of wasmtime's and wasmi's: [`Config`], [`Engine`],
//! [`Module`], [`Store`], [`Linker`], [`Instance`], [`Func`], [`TypedFunc`], [`Memory`],
//! [`Table`], [`Global`], [`Val`].
//!
//! ```
//! use tessera_engine::{Engine, Linker, Module, Store};
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module (func (export "add") (param i32 i32) (result i32)
//!     local.get 0 local.get 1 i32.add))"#).unwrap();
//! let mut store = Store::new(&engine, ());
//! let instance = Linker::new().instantiate(&mut store, &module).unwrap();
//! let add = instance.get_typed_func::<(i32, i32), i32, _>(&store, "add").unwrap();
//! assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 5);
//! ```

mod engine;
mod error;
mod exec;
mod func;
mod instance;
pub mod ir;
mod linker;
pub mod module;
pub mod simd;
mod store;
mod translate;
mod value;

pub use engine::{Config, Engine};
pub use error::{Error, FrameInfo, Result, Trap, TrapCode};
pub use func::{Caller, HostReturn, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmTy};
pub use instance::Instance;
pub use linker::Linker;
pub use module::{ExportType, ExternType, GlobalType, ImportType, MemoryType, Module, TableType};
pub use store::{
    Extern, ExternRef, Func, Global, InterruptHandle, Memory, Store, StoreLimits, Table, PAGE_SIZE,
};
pub use value::{FuncType, Val, ValType};
