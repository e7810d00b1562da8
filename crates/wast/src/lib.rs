//! A runner for WebAssembly spec scripts (`.wast`): every directive of the spec
//! interpreter's script format, checked as strictly as the reference interpreter checks it.
//!
//! - `assert_return` compares exact bits (NaN patterns and per-lane `v128` patterns too);
//! - `assert_trap` / `assert_exhaustion` require a trap with the expected meaning;
//! - `assert_invalid` / `assert_malformed` require rejection at load time;
//! - `assert_unlinkable` requires a link error, `assert_uninstantiable` (an `assert_trap` on
//!   a module) a trap during instantiation.
//!
//! Component-model scripts run too (`component.rs`): `(component ...)`, `component
//! definition`/`instance`, `register` of component instances, `invoke` with component
//! values, and the same assertions on components. A Component Model trap matches when its
//! message and the script's text contain one another.

mod component;
mod spectest;
mod values;

use std::collections::HashMap;

use tessera_component::Component;
use tessera_engine::{
    Config, Engine, Error, Extern, ExternRef, Instance, Linker, Module, Store, Trap, TrapCode, Val,
};
use wast::core::WastArgCore;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, Wat};

/// The outcome of running one script.
#[derive(Debug, Default)]
pub struct Report {
    pub passed: usize,
    pub failed: usize,
    /// One line per failing directive: `file:line:col: what went wrong`.
    pub failures: Vec<String>,
}

impl Report {
    pub fn merge(&mut self, other: Report) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.failures.extend(other.failures);
    }
}

/// Host state of the script's store: externref payloads by value, so `ref.extern N` keeps its
/// identity across calls.
#[derive(Default)]
struct Host {
    externs: HashMap<u32, ExternRef>,
}

/// Runs the script `text` with every supported proposal on, naming it `file` in failure lines.
pub fn run_script(file: &str, text: &str) -> Report {
    run_script_with(file, text, &Config::new())
}

/// Runs the script `text` on an engine built from `config`.
pub fn run_script_with(file: &str, text: &str, config: &Config) -> Report {
    let mut report = Report::default();
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            report.failed += 1;
            report.failures.push(format!("{file}: cannot parse script: {e}"));
            return report;
        }
    };
    let wast = match parser::parse::<Wast<'_>>(&buf) {
        Ok(w) => w,
        Err(e) => {
            let (line, col) = e.span().linecol_in(text);
            report.failed += 1;
            report.failures.push(format!(
                "{file}:{}:{}: cannot parse script: {}",
                line + 1,
                col + 1,
                e.message()
            ));
            return report;
        }
    };
    let mut runner = Runner::new(config);
    for directive in wast.directives {
        let span = directive.span();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.directive(directive)));
        let outcome = outcome.unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("PANIC: {msg}"))
        });
        match outcome {
            Ok(()) => report.passed += 1,
            Err(msg) => {
                let (line, col) = span.linecol_in(text);
                report.failed += 1;
                report.failures.push(format!("{file}:{}:{}: {msg}", line + 1, col + 1));
            }
        }
    }
    report
}

type Outcome<T = ()> = Result<T, String>;

/// An instance a script can name: a core module's or a component's.
#[derive(Clone)]
enum Inst {
    Core(Instance),
    Component(tessera_component::Instance),
}

/// A `module definition` or `component definition`.
#[derive(Clone)]
enum Definition {
    Core(Module),
    Component(Component),
}

/// What an `invoke` (or other execution) returned.
#[derive(Debug)]
enum Returned {
    Core(Vec<Val>),
    Component(Vec<tessera_component::Val>),
}

impl std::fmt::Display for Returned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Returned::Core(vals) => write!(f, "{vals:?}"),
            Returned::Component(vals) => {
                let shown: Vec<String> = vals.iter().map(component::show).collect();
                write!(f, "[{}]", shown.join(", "))
            }
        }
    }
}

struct Runner {
    engine: Engine,
    store: Store<Host>,
    linker: Linker<Host>,
    /// Registered component instances, for the imports of components.
    components: component::Components,
    /// The most recently instantiated module or component.
    current: Option<Inst>,
    named: HashMap<String, Inst>,
    /// `module definition`s and `component definition`s, by name, and the most recent one.
    definitions: HashMap<String, Definition>,
    last_definition: Option<Definition>,
}

fn module_bytes(module: &mut QuoteWat<'_>) -> Outcome<Vec<u8>> {
    module.encode().map_err(|e| format!("cannot encode module: {e}"))
}

/// Whether the script wrote a component (as opposed to a core module).
fn is_component_text(module: &QuoteWat<'_>) -> bool {
    matches!(module, QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..))
}

impl Runner {
    fn new(config: &Config) -> Runner {
        let engine = Engine::new(config);
        let mut store = Store::new(&engine, Host::default());
        let mut linker = Linker::new();
        linker.allow_shadowing(true);
        spectest::define(&mut linker, &mut store);
        Runner {
            engine,
            store,
            linker,
            components: component::Components::default(),
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
        }
    }

    fn instance(&self, name: Option<wast::token::Id<'_>>) -> Outcome<Inst> {
        match name {
            Some(id) => {
                self.named.get(id.name()).cloned().ok_or_else(|| format!("unknown module ${}", id.name()))
            }
            None => self.current.clone().ok_or_else(|| "no module instantiated".to_string()),
        }
    }

    fn compile(&self, bytes: &[u8]) -> Outcome<Module> {
        Module::new(&self.engine, bytes).map_err(|e| format!("module rejected: {e}"))
    }

    fn compile_component(&self, bytes: &[u8]) -> Outcome<Component> {
        Component::new(&self.engine, bytes).map_err(|e| format!("component rejected: {e}"))
    }

    /// A module or component from its binary form; which one the script says.
    fn definition(&self, bytes: &[u8], component: bool) -> Outcome<Definition> {
        if component {
            self.compile_component(bytes).map(Definition::Component)
        } else {
            self.compile(bytes).map(Definition::Core)
        }
    }

    fn instantiate(&mut self, module: &Module, name: Option<&str>) -> Outcome<Instance> {
        let instance = self
            .linker
            .instantiate(&mut self.store, module)
            .map_err(|e| format!("instantiation failed: {e}"))?;
        self.current = Some(Inst::Core(instance));
        if let Some(name) = name {
            self.named.insert(name.to_string(), Inst::Core(instance));
        }
        Ok(instance)
    }

    fn instantiate_component(&mut self, c: &Component, name: Option<&str>) -> Outcome {
        let instance = self
            .components
            .instantiate(&mut self.store, c)
            .map_err(|e| format!("instantiation failed: {e}"))?;
        if let Some(name) = name {
            self.named.insert(name.to_string(), Inst::Component(instance.clone()));
        }
        self.current = Some(Inst::Component(instance));
        Ok(())
    }

    fn instantiate_definition(&mut self, def: &Definition, name: Option<&str>) -> Outcome {
        match def {
            Definition::Core(m) => self.instantiate(m, name).map(drop),
            Definition::Component(c) => self.instantiate_component(c, name),
        }
    }

    fn directive(&mut self, directive: WastDirective<'_>) -> Outcome {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let bytes = module_bytes(&mut module)?;
                let def = self.definition(&bytes, is_component_text(&module))?;
                self.instantiate_definition(&def, name.as_deref())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let bytes = module_bytes(&mut module)?;
                let def = self.definition(&bytes, is_component_text(&module))?;
                if let Some(name) = name {
                    self.definitions.insert(name, def.clone());
                }
                self.last_definition = Some(def);
                Ok(())
            }
            WastDirective::ModuleInstance { instance, module, .. } => {
                let def = match module {
                    Some(id) => self
                        .definitions
                        .get(id.name())
                        .cloned()
                        .ok_or_else(|| format!("unknown definition ${}", id.name()))?,
                    None => self.last_definition.clone().ok_or("no module definition")?,
                };
                self.instantiate_definition(&def, instance.map(|i| i.name()))
            }
            WastDirective::Register { name, module, .. } => match self.instance(module)? {
                Inst::Core(instance) => {
                    self.linker.instance(&self.store, name, instance).map(drop).map_err(|e| e.to_string())
                }
                Inst::Component(instance) => self.components.register(name, &instance),
            },
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke).map(drop).map_err(|e| format!("invoke failed: {e}"))
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                match self.execute(exec).map_err(|e| format!("expected a return, got: {e}"))? {
                    Returned::Core(got) => values::check_results(&self.store, &results, &got),
                    Returned::Component(got) => component::check_results(&results, &got),
                }
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(vals) => Err(format!("expected trap `{message}`, got return {vals}")),
                Err(Error::Trap(t)) if trap_matches(&t, message) => Ok(()),
                Err(e) => Err(format!("expected trap `{message}`, got: {e}")),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(vals) => Err(format!("expected exhaustion, got return {vals}")),
                Err(Error::Trap(t)) if t.code() == TrapCode::StackOverflow => Ok(()),
                Err(e) => Err(format!("expected `{message}`, got: {e}")),
            },
            WastDirective::AssertInvalid { mut module, message, .. } => {
                let component = is_component_text(&module);
                let bytes = match module.encode() {
                    Ok(b) => b,
                    // A component's names are resolved while encoding, so a reference to
                    // something undefined is reported here rather than by the validator.
                    Err(_) if component => return Ok(()),
                    Err(e) => {
                        return Err(format!(
                            "expected invalid module (`{message}`), but it does not encode: {e}"
                        ))
                    }
                };
                match self.definition(&bytes, component) {
                    Ok(_) => Err(format!("expected invalid module (`{message}`), but it validated")),
                    Err(_) => Ok(()),
                }
            }
            WastDirective::AssertMalformed { mut module, message, .. } => {
                let component = is_component_text(&module);
                let bytes = match module.encode() {
                    Ok(b) => b,
                    // Malformed text fails to parse: that is the expected rejection.
                    Err(_) => return Ok(()),
                };
                match self.definition(&bytes, component) {
                    Ok(_) => Err(format!("expected malformed module (`{message}`), but it loaded")),
                    Err(_) => Ok(()),
                }
            }
            WastDirective::AssertUnlinkable { module, message, .. } => {
                let mut module = QuoteWat::Wat(module);
                let bytes = module_bytes(&mut module)?;
                match self.definition(&bytes, is_component_text(&module))? {
                    Definition::Core(m) => match self.linker.instantiate(&mut self.store, &m) {
                        Ok(_) => Err(format!("expected unlinkable (`{message}`), but it instantiated")),
                        Err(Error::UnknownImport(_) | Error::IncompatibleImport(_)) => Ok(()),
                        Err(e) => Err(format!("expected unlinkable (`{message}`), got: {e}")),
                    },
                    Definition::Component(c) => match self.components.instantiate(&mut self.store, &c) {
                        Ok(_) => Err(format!("expected unlinkable (`{message}`), but it instantiated")),
                        Err(e) if component::is_link_error(&e) => Ok(()),
                        Err(e) => Err(format!("expected unlinkable (`{message}`), got: {e}")),
                    },
                }
            }
            WastDirective::AssertException { .. } => Err("exception handling is not supported".into()),
            WastDirective::AssertSuspension { .. } => Err("stack switching is not supported".into()),
            WastDirective::Thread(_) | WastDirective::Wait { .. } => Err("threads are not supported".into()),
            WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
                Err("custom-section assertions are not supported".into())
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Returned, Error> {
        match self.instance(invoke.module).map_err(Error::BadArguments)? {
            Inst::Core(instance) => self.invoke_core(instance, invoke).map(Returned::Core),
            Inst::Component(instance) => {
                component::invoke(&mut self.store, &instance, invoke).map(Returned::Component)
            }
        }
    }

    fn invoke_core(&mut self, instance: Instance, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, Error> {
        let func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| Error::BadArguments(format!("no exported function `{}`", invoke.name)))?;
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            args.push(self.arg(arg)?);
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(|t| t.default_val()).collect();
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }

    fn arg(&mut self, arg: &WastArg<'_>) -> Result<Val, Error> {
        let WastArg::Core(core) = arg else {
            return Err(Error::BadArguments("component values are not core arguments".into()));
        };
        Ok(match core {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(v) => Val::F32(v.bits),
            WastArgCore::F64(v) => Val::F64(v.bits),
            WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
            WastArgCore::RefNull(wast::core::HeapType::Abstract {
                ty: wast::core::AbstractHeapType::Extern,
                ..
            }) => Val::ExternRef(None),
            WastArgCore::RefNull(_) => Val::FuncRef(None),
            WastArgCore::RefExtern(n) => {
                let e = match self.store.data().externs.get(n) {
                    Some(e) => *e,
                    None => {
                        let e = ExternRef::new(&mut self.store, *n);
                        self.store.data_mut().externs.insert(*n, e);
                        e
                    }
                };
                Val::ExternRef(Some(e))
            }
            WastArgCore::RefHost(_) => return Err(Error::Unsupported("ref.host arguments".into())),
        })
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Returned, Error> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(wat) => {
                let mut module = QuoteWat::Wat(wat);
                let bytes = module_bytes(&mut module).map_err(Error::BadArguments)?;
                if is_component_text(&module) {
                    let c = Component::new(&self.engine, &bytes).map_err(component::into_engine)?;
                    self.components.instantiate(&mut self.store, &c).map_err(component::into_engine)?;
                    return Ok(Returned::Component(Vec::new()));
                }
                let m = Module::new(&self.engine, &bytes)?;
                self.linker.instantiate(&mut self.store, &m)?;
                Ok(Returned::Core(Vec::new()))
            }
            WastExecute::Get { module, global, .. } => {
                let Inst::Core(instance) = self.instance(module).map_err(Error::BadArguments)? else {
                    return Err(Error::BadArguments("`get` of a component instance".into()));
                };
                match instance.get_export(&self.store, global) {
                    Some(Extern::Global(g)) => Ok(Returned::Core(vec![g.get(&self.store)])),
                    _ => Err(Error::BadArguments(format!("no exported global `{global}`"))),
                }
            }
        }
    }
}

/// Whether trap `t` is what a script's expected `message` describes. Component Model traps
/// carry their own message; core traps are matched by their kind.
fn trap_matches(t: &Trap, message: &str) -> bool {
    core_trap_matches(t.code(), message)
        || (t.code() == TrapCode::ComponentModel && component::trap_message_matches(t.message(), message))
}

/// Whether a trap of kind `code` is what a script's expected `message` describes.
fn core_trap_matches(code: TrapCode, message: &str) -> bool {
    let ours = code.message();
    if message.starts_with(ours) || ours.starts_with(message) {
        return true;
    }
    matches!(
        (code, message),
        (TrapCode::TableOutOfBounds, m) if m.starts_with("undefined element") || m.contains("out of bounds table")
    ) || matches!((code, message), (TrapCode::IndirectCallToNull, m) if m.starts_with("uninitialized"))
        || matches!((code, message), (TrapCode::MemoryOutOfBounds, m) if m.contains("out of bounds memory"))
}
