//! Errors and traps.

use std::fmt;

/// Why a guest stopped abnormally.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrapCode {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivisionByZero,
    BadConversionToInteger,
    StackOverflow,
    OutOfFuel,
    Interrupted,
    NullReference,
    /// A Component Model rule was broken (bad handle, invalid string, reentrance, ...);
    /// [`Trap::message`] says which.
    ComponentModel,
}

impl TrapCode {
    /// The message the WebAssembly reference interpreter uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallToNull => "uninitialized element",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivisionByZero => "integer divide by zero",
            TrapCode::BadConversionToInteger => "invalid conversion to integer",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed",
            TrapCode::Interrupted => "interrupted",
            TrapCode::NullReference => "null reference",
            TrapCode::ComponentModel => "component model violation",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// One frame of a wasm backtrace, innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Function index within its module.
    pub func_index: u32,
    /// The function's name from the name section, if any.
    pub func_name: Option<String>,
    /// The module's name from the name section, if any.
    pub module_name: Option<String>,
}

/// A trap: its code and the wasm call stack at the point it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    code: TrapCode,
    /// A more precise description than the code's own message, when there is one.
    message: Option<Box<str>>,
    backtrace: Vec<FrameInfo>,
}

impl Trap {
    pub fn new(code: TrapCode) -> Trap {
        Trap { code, message: None, backtrace: Vec::new() }
    }

    /// A trap with its own description (shown instead of the code's message).
    pub fn with_message(code: TrapCode, message: impl Into<String>) -> Trap {
        Trap { code, message: Some(message.into().into_boxed_str()), backtrace: Vec::new() }
    }

    pub(crate) fn with_backtrace(code: TrapCode, backtrace: Vec<FrameInfo>) -> Trap {
        Trap { code, message: None, backtrace }
    }

    /// The same trap, now with the wasm frames active where it happened.
    pub(crate) fn set_backtrace(mut self, backtrace: Vec<FrameInfo>) -> Trap {
        self.backtrace = backtrace;
        self
    }

    /// What went wrong, in words: the precise message if any, else the code's.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(self.code.message())
    }

    pub fn code(&self) -> TrapCode {
        self.code
    }

    /// The wasm frames active when the trap happened, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }

    /// A multi-line rendering of the backtrace (empty when there are no frames).
    pub fn backtrace_string(&self) -> String {
        const SHOWN: usize = 20;
        let mut out = String::new();
        for (i, frame) in self.backtrace.iter().enumerate().take(SHOWN) {
            let module = frame.module_name.as_deref().unwrap_or("<module>");
            let name = match &frame.func_name {
                Some(n) => n.clone(),
                None => format!("<func {}>", frame.func_index),
            };
            out.push_str(&format!("  {i}: {module}!{name}\n"));
        }
        if self.backtrace.len() > SHOWN {
            out.push_str(&format!("  ... {} more frames\n", self.backtrace.len() - SHOWN));
        }
        out
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.message())
    }
}

impl std::error::Error for Trap {}

impl From<TrapCode> for Trap {
    fn from(code: TrapCode) -> Trap {
        Trap::new(code)
    }
}

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed or valid module.
    #[error("invalid module: {0}")]
    InvalidModule(String),
    /// The text could not be parsed as WebAssembly text.
    #[error("{0}")]
    Text(String),
    /// An import could not be satisfied.
    #[error("unknown import: {0}")]
    UnknownImport(String),
    /// An import was found but its type does not match.
    #[error("incompatible import type for {0}")]
    IncompatibleImport(String),
    /// The guest trapped.
    #[error(transparent)]
    Trap(#[from] Trap),
    /// A limit set on the store or config was exceeded outside of execution.
    #[error("{0}")]
    Limit(String),
    /// A call from the host passed the wrong number or types of values.
    #[error("{0}")]
    BadArguments(String),
    /// The module uses a feature this engine does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A host function failed.
    #[error("{0}")]
    Host(Box<dyn std::error::Error + Send + Sync>),
    /// A guest asked to exit the process with this status (WASI `proc_exit`).
    #[error("exit with status {0}")]
    Exit(i32),
}

impl Error {
    /// Wraps any error raised by a host function.
    pub fn host(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Host(err.into())
    }

    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }
}

impl From<TrapCode> for Error {
    fn from(code: TrapCode) -> Error {
        Error::Trap(Trap::new(code))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
