//! Loading: bytes (binary or text) → a validated [`Component`], kept as the list of its
//! definitions in binary order, which instantiation replays (`instantiate.rs`).
//!
//! One `wasmparser` validator walks the whole binary, nested components included, and hands
//! back the type information of each component when it ends; the runtime converts types from
//! that, so it never re-derives what the validator already knows. Core modules inside are
//! compiled by the core engine (which validates their code, so the component validator skips
//! function bodies).

use std::sync::Arc;

use tessera_engine::{Engine, Module};
use wasmparser::types::Types;
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind, ComponentOuterAliasKind,
    ComponentTypeRef, Encoding, ExternalKind, Parser, Payload, ValidPayload, Validator, WasmFeatures,
};

use crate::abi::StringEncoding;
use crate::error::{Error, Result};

/// A compiled, validated component, ready to instantiate any number of times.
#[derive(Clone)]
pub struct Component {
    pub(crate) engine: Engine,
    pub(crate) def: Arc<ComponentDef>,
}

/// One component's definitions, in the order they appear.
pub(crate) struct ComponentDef {
    pub(crate) types: Types,
    pub(crate) defs: Vec<Def>,
    /// Whether an outer alias in it (or in a component nested in it) names a module or
    /// component that an enclosing component imported or aliased: known only at run
    /// time, so instantiating it needs the enclosing index spaces it was defined in.
    pub(crate) captures: bool,
}

/// Canonical options as written, with core indices still unresolved.
#[derive(Clone, Default)]
pub(crate) struct RawOptions {
    pub(crate) memory: Option<u32>,
    pub(crate) realloc: Option<u32>,
    pub(crate) post_return: Option<u32>,
    pub(crate) encoding: StringEncoding,
}

/// One definition; each adds an item to one index space (or, for exports, to the
/// instance's exports and an index space).
pub(crate) enum Def {
    CoreModule(Module),
    Component(Arc<ComponentDef>),
    CoreInstantiate {
        module: u32,
        args: Vec<(String, u32)>,
    },
    CoreFromExports(Vec<(String, ExternalKind, u32)>),
    CoreAlias {
        instance: u32,
        kind: ExternalKind,
        name: String,
    },
    Import {
        name: String,
        ty: ComponentTypeRef,
    },
    Export {
        name: String,
        kind: ComponentExternalKind,
        index: u32,
    },
    AliasExport {
        instance: u32,
        kind: ComponentExternalKind,
        name: String,
    },
    /// An outer alias of a module or component defined (not imported) by an ancestor.
    OuterModule(Module),
    OuterComponent(Arc<ComponentDef>),
    /// An outer alias of a module or component an ancestor imported or aliased (or
    /// defined, when that component captures in turn): resolved at instantiation through
    /// the enclosing index spaces, `count` components out.
    OuterCaptured {
        kind: ComponentOuterAliasKind,
        count: u32,
        index: u32,
    },
    /// A type that is not a resource (nothing to create at run time).
    Type,
    /// `(type (resource (rep i32) (dtor $f)))`.
    Resource {
        dtor: Option<u32>,
    },
    Instantiate {
        component: u32,
        args: Vec<(String, ComponentExternalKind, u32)>,
    },
    InstanceFromExports(Vec<(String, ComponentExternalKind, u32)>),
    Lift {
        core_func: u32,
        opts: RawOptions,
    },
    Lower {
        func: u32,
        opts: RawOptions,
    },
    ResourceNew {
        ty: u32,
    },
    ResourceDrop {
        ty: u32,
    },
    ResourceRep {
        ty: u32,
    },
}

/// A component being read: its definitions so far, plus the modules and components it
/// defines, for outer aliases from components nested inside it.
#[derive(Default)]
struct Builder {
    defs: Vec<Def>,
    modules: Vec<Option<Module>>,
    components: Vec<Option<Arc<ComponentDef>>>,
    captures: bool,
}

impl Component {
    /// Loads a component from its binary or text form and validates it.
    ///
    /// # Errors
    /// If the text does not parse, the bytes are not a valid component (a core module is
    /// reported as such), or the component uses a feature this runtime lacks.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Component> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Component::from_binary(engine, bytes);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| Error::InvalidComponent("no `\\0asm` header, and not UTF-8 text".into()))?;
        Component::from_binary(engine, &parse_text(text)?)
    }

    /// Loads and validates a component in the binary format.
    ///
    /// # Errors
    /// See [`Component::new`].
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Component> {
        if !is_component(bytes) {
            return Err(Error::InvalidComponent("this is a core module, not a component".into()));
        }
        let def = parse(engine, bytes)?;
        Ok(Component { engine: engine.clone(), def })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Whether `bytes` start like a binary component (as opposed to a core module).
pub fn is_component(bytes: &[u8]) -> bool {
    Parser::is_component(bytes)
}

/// Parses component text (`(component ...)`) or module text into binary.
///
/// # Errors
/// On a syntax error, with its line and column.
pub fn parse_text(text: &str) -> Result<Vec<u8>> {
    tessera_engine::module::parse_text(text).map_err(|e| Error::Text(e.to_string()))
}

fn features() -> WasmFeatures {
    // WebAssembly 2.0 (and what the engine adds) plus the Component Model with every
    // feature its reference tests use. Core modules are validated again by the engine with
    // its own features, so a module using GC or exceptions is refused there.
    let mut f = WasmFeatures::WASM2 | WasmFeatures::COMPONENT_MODEL;
    f.insert(WasmFeatures::TAIL_CALL | WasmFeatures::EXTENDED_CONST | WasmFeatures::MULTI_MEMORY);
    f.insert(
        WasmFeatures::CM_ASYNC
            | WasmFeatures::CM_ASYNC_STACKFUL
            | WasmFeatures::CM_MORE_ASYNC_BUILTINS
            | WasmFeatures::CM_THREADING
            | WasmFeatures::CM_ERROR_CONTEXT
            | WasmFeatures::CM_FIXED_LENGTH_LISTS
            | WasmFeatures::CM_MAP
            | WasmFeatures::CM_IMPLEMENTS
            | WasmFeatures::GC_TYPES
            | WasmFeatures::GC
            | WasmFeatures::REFERENCE_TYPES
            | WasmFeatures::FUNCTION_REFERENCES
            | WasmFeatures::EXCEPTIONS,
    );
    f
}

fn invalid(e: wasmparser::BinaryReaderError) -> Error {
    Error::InvalidComponent(format!("{} (at offset {:#x})", e.message(), e.offset()))
}

fn options(opts: &[CanonicalOption]) -> Result<RawOptions> {
    let mut out = RawOptions::default();
    for o in opts {
        match o {
            CanonicalOption::UTF8 => out.encoding = StringEncoding::Utf8,
            CanonicalOption::UTF16 => out.encoding = StringEncoding::Utf16,
            CanonicalOption::CompactUTF16 => out.encoding = StringEncoding::Latin1Utf16,
            CanonicalOption::Memory(m) => out.memory = Some(*m),
            CanonicalOption::Realloc(f) => out.realloc = Some(*f),
            CanonicalOption::PostReturn(f) => out.post_return = Some(*f),
            other => return Err(Error::Unsupported(format!("canonical option {other:?}"))),
        }
    }
    Ok(out)
}

fn parse(engine: &Engine, bytes: &[u8]) -> Result<Arc<ComponentDef>> {
    let mut validator = Validator::new_with_features(features());
    let mut stack: Vec<Builder> = Vec::new();
    let mut in_module = false;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(invalid)?;
        let valid = validator.payload(&payload).map_err(invalid)?;
        if in_module {
            // Payloads of a nested core module: the engine compiles the module as a whole.
            if let ValidPayload::End(_) = valid {
                in_module = false;
            }
            continue;
        }
        if let ValidPayload::End(types) = valid {
            let b = stack.pop().expect("an End matches a component start");
            let def = Arc::new(ComponentDef { types, defs: b.defs, captures: b.captures });
            match stack.last_mut() {
                Some(parent) => {
                    parent.components.push(Some(def.clone()));
                    parent.defs.push(Def::Component(def));
                }
                None => return Ok(def),
            }
            continue;
        }
        match payload {
            Payload::Version { encoding: Encoding::Component, .. } => stack.push(Builder::default()),
            Payload::Version { encoding: Encoding::Module, .. } => {
                return Err(Error::InvalidComponent("this is a core module, not a component".into()))
            }
            Payload::ModuleSection { unchecked_range, .. } => {
                let range = unchecked_range.start as usize..unchecked_range.end as usize;
                let module_bytes = bytes
                    .get(range)
                    .ok_or_else(|| Error::InvalidComponent("a module section runs past the end".into()))?;
                let module = Module::from_binary(engine, module_bytes)?;
                let b = stack.last_mut().expect("inside a component");
                b.modules.push(Some(module.clone()));
                b.defs.push(Def::CoreModule(module));
                in_module = true;
            }
            Payload::ComponentSection { .. } => {}
            other => read_section(stack.as_mut_slice(), other)?,
        }
    }
    Err(Error::InvalidComponent("unexpected end of the component".into()))
}

/// Records the definitions of one section of the innermost component in `stack`.
fn read_section(stack: &mut [Builder], payload: Payload<'_>) -> Result<()> {
    let depth = stack.len();
    let (outer, b) = match stack.split_last_mut() {
        Some((b, outer)) => (outer, b),
        None => return Err(Error::InvalidComponent("section outside a component".into())),
    };
    match payload {
        Payload::InstanceSection(r) => {
            for inst in r {
                b.defs.push(match inst.map_err(invalid)? {
                    wasmparser::Instance::Instantiate { module_index, args } => Def::CoreInstantiate {
                        module: module_index,
                        args: args.iter().map(|a| (a.name.to_string(), a.index)).collect(),
                    },
                    wasmparser::Instance::FromExports(exports) => Def::CoreFromExports(
                        exports.iter().map(|e| (e.name.to_string(), e.kind, e.index)).collect(),
                    ),
                });
            }
        }
        Payload::CoreTypeSection(_) | Payload::CustomSection(_) => {}
        Payload::ComponentInstanceSection(r) => {
            for inst in r {
                b.defs.push(match inst.map_err(invalid)? {
                    wasmparser::ComponentInstance::Instantiate { component_index, args } => {
                        Def::Instantiate {
                            component: component_index,
                            args: args.iter().map(|a| (a.name.to_string(), a.kind, a.index)).collect(),
                        }
                    }
                    wasmparser::ComponentInstance::FromExports(exports) => Def::InstanceFromExports(
                        exports.iter().map(|e| (e.name.full_name().into_owned(), e.kind, e.index)).collect(),
                    ),
                });
            }
        }
        Payload::ComponentAliasSection(r) => {
            for alias in r {
                match alias.map_err(invalid)? {
                    ComponentAlias::InstanceExport { kind, instance_index, name } => {
                        if kind == ComponentExternalKind::Module {
                            b.modules.push(None);
                        } else if kind == ComponentExternalKind::Component {
                            b.components.push(None);
                        }
                        b.defs.push(Def::AliasExport {
                            instance: instance_index,
                            kind,
                            name: name.to_string(),
                        });
                    }
                    ComponentAlias::CoreInstanceExport { kind, instance_index, name } => {
                        b.defs.push(Def::CoreAlias { instance: instance_index, kind, name: name.to_string() })
                    }
                    ComponentAlias::Outer { kind, count, index } => {
                        // `count` 0 is this component itself, 1 its parent, and so on.
                        let target = match count {
                            0 => Some((&b.modules, &b.components)),
                            _ => depth
                                .checked_sub(1 + count as usize)
                                .and_then(|i| outer.get(i))
                                .map(|t| (&t.modules, &t.components)),
                        };
                        let (modules, components) = target
                            .ok_or_else(|| Error::InvalidComponent("outer alias count too large".into()))?;
                        let at = index as usize;
                        let def = match kind {
                            ComponentOuterAliasKind::CoreModule => {
                                modules.get(at).cloned().flatten().map(Def::OuterModule)
                            }
                            ComponentOuterAliasKind::Component => {
                                match components.get(at).cloned().flatten() {
                                    Some(c) if !c.captures => Some(Def::OuterComponent(c)),
                                    _ => None,
                                }
                            }
                            // Validation rejects outer aliases of resources, so an aliased
                            // type needs nothing at run time.
                            ComponentOuterAliasKind::Type => Some(Def::Type),
                            ComponentOuterAliasKind::CoreType => continue,
                        };
                        let def = def.unwrap_or_else(|| {
                            // Every component from this one out to (not including) the
                            // target must carry its enclosing index spaces.
                            if count > 0 {
                                b.captures = true;
                                let n = outer.len();
                                for o in &mut outer[n + 1 - count as usize..] {
                                    o.captures = true;
                                }
                            }
                            Def::OuterCaptured { kind, count, index }
                        });
                        match def {
                            Def::OuterModule(ref m) => b.modules.push(Some(m.clone())),
                            Def::OuterComponent(ref c) => b.components.push(Some(c.clone())),
                            Def::OuterCaptured { kind: ComponentOuterAliasKind::CoreModule, .. } => {
                                b.modules.push(None)
                            }
                            Def::OuterCaptured { .. } => b.components.push(None),
                            _ => {}
                        }
                        b.defs.push(def);
                    }
                }
            }
        }
        Payload::ComponentTypeSection(r) => {
            for ty in r {
                b.defs.push(match ty.map_err(invalid)? {
                    wasmparser::ComponentType::Resource { dtor, .. } => Def::Resource { dtor },
                    _ => Def::Type,
                });
            }
        }
        Payload::ComponentCanonicalSection(r) => {
            for canon in r {
                b.defs.push(match canon.map_err(invalid)? {
                    CanonicalFunction::Lift { core_func_index, options: o, .. } => {
                        Def::Lift { core_func: core_func_index, opts: options(&o)? }
                    }
                    CanonicalFunction::Lower { func_index, options: o } => {
                        Def::Lower { func: func_index, opts: options(&o)? }
                    }
                    CanonicalFunction::ResourceNew { resource } => Def::ResourceNew { ty: resource },
                    CanonicalFunction::ResourceDrop { resource } => Def::ResourceDrop { ty: resource },
                    CanonicalFunction::ResourceRep { resource } => Def::ResourceRep { ty: resource },
                    other => return Err(Error::Unsupported(format!("canonical built-in {other:?}"))),
                });
            }
        }
        Payload::ComponentImportSection(r) => {
            for import in r {
                let import = import.map_err(invalid)?;
                match import.ty {
                    ComponentTypeRef::Module(_) => b.modules.push(None),
                    ComponentTypeRef::Component(_) => b.components.push(None),
                    _ => {}
                }
                b.defs.push(Def::Import { name: import.name.full_name().into_owned(), ty: import.ty });
            }
        }
        Payload::ComponentExportSection(r) => {
            for export in r {
                let export = export.map_err(invalid)?;
                match export.kind {
                    ComponentExternalKind::Module => {
                        let m = b.modules.get(export.index as usize).cloned().flatten();
                        b.modules.push(m);
                    }
                    ComponentExternalKind::Component => {
                        let c = b.components.get(export.index as usize).cloned().flatten();
                        b.components.push(c);
                    }
                    _ => {}
                }
                b.defs.push(Def::Export {
                    name: export.name.full_name().into_owned(),
                    kind: export.kind,
                    index: export.index,
                });
            }
        }
        Payload::ComponentStartSection { .. } => {
            return Err(Error::Unsupported("component start functions (component values)".into()))
        }
        Payload::End(_) => {}
        other => {
            return Err(Error::Unsupported(format!(
                "component section {:?}",
                other.as_section().map(|(id, _)| id)
            )))
        }
    }
    Ok(())
}
