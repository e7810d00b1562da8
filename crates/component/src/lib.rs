//! Tessera's Component Model runtime: loading and validating components, instantiating
//! them over the core engine, the Canonical ABI, resources, and the component [`Linker`].
//!
//! The pipeline, one module per stage:
//! 1. [`component`]: bytes → validated [`Component`] (its definitions in order).
//! 2. `instantiate`: replays the definitions into core instances, lifted functions and
//!    lowered imports; returns an [`Instance`].
//! 3. `func`: calls — [`Func::call`] from the host, lowered imports from core code.
//! 4. `abi`: the Canonical ABI that moves [`Val`]s across every call.
//!
//! ```
//! use tessera_component::{Component, Linker, Val};
//! use tessera_engine::{Engine, Store};
//! let engine = Engine::default();
//! let component = Component::new(&engine, r#"(component
//!     (core module $m (func (export "add") (param i32 i32) (result i32)
//!         local.get 0 local.get 1 i32.add))
//!     (core instance $i (instantiate $m))
//!     (func (export "add") (param "a" u32) (param "b" u32) (result u32)
//!         (canon lift (core func $i "add"))))"#).unwrap();
//! let mut store = Store::new(&engine, ());
//! let instance = Linker::new().instantiate(&mut store, &component).unwrap();
//! let add = instance.get_func("add").unwrap();
//! let mut out = [Val::U32(0)];
//! add.call(&mut store, &[Val::U32(2), Val::U32(3)], &mut out).unwrap();
//! assert_eq!(out[0], Val::U32(5));
//! ```

pub mod abi;
pub mod component;
mod error;
mod func;
mod instance;
mod instantiate;
mod linker;
mod resources;
mod typed;
mod types;
mod values;
pub mod wave;

pub use abi::StringEncoding;
pub use component::{is_component, Component};
pub use error::{Error, Result};
pub use func::Func;
pub use instance::{ExportKind, Instance};
pub use linker::{InstancePre, Linker, LinkerInstance};
pub use typed::{ComponentParams, ComponentResults, ComponentValue, TypedFunc};
pub use types::{Case, Field, FuncType, MapType, ResourceType, ResultType, Type};
pub use values::{ResourceAny, Val};
