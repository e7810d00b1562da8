//! Errors of the component layer.

use tessera_engine::{Trap, TrapCode};

/// Everything that can go wrong loading, linking or calling a component.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed or valid component.
    #[error("invalid component: {0}")]
    InvalidComponent(String),
    /// The text could not be parsed as WebAssembly text.
    #[error("{0}")]
    Text(String),
    /// Nothing was defined for an import of the component.
    #[error("component import `{0}` is not defined")]
    MissingImport(String),
    /// Something was defined for an import, but not what the component asks for.
    #[error("component import `{name}`: {reason}")]
    BadImport { name: String, reason: String },
    /// A value did not match the type it was passed as.
    #[error("{0}")]
    TypeMismatch(String),
    /// The component uses a feature this runtime does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The core engine failed: a trap, a limit, a host error.
    #[error(transparent)]
    Engine(#[from] tessera_engine::Error),
}

impl Error {
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Engine(e) => e.as_trap(),
            _ => None,
        }
    }

    /// Converts into the engine's error, for returning from a core host function.
    pub(crate) fn into_engine(self) -> tessera_engine::Error {
        match self {
            Error::Engine(e) => e,
            other => tessera_engine::Error::host(other.to_string()),
        }
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Error {
        Error::Engine(tessera_engine::Error::Trap(t))
    }
}

/// A Component Model trap with its message.
pub(crate) fn trap(message: impl Into<String>) -> Error {
    Trap::with_message(TrapCode::ComponentModel, message).into()
}

/// Returns a trap with `message` when `cond` holds.
pub(crate) fn trap_if(cond: bool, message: &str) -> Result<()> {
    if cond {
        Err(trap(message))
    } else {
        Ok(())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
