//! Types of module-level entities: what imports and exports are.

use std::fmt;

use crate::value::{FuncType, ValType};

/// The type of a table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TableType {
    pub element: ValType,
    pub min: u64,
    pub max: Option<u64>,
}

/// The type of a linear memory, in 64 KiB pages.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MemoryType {
    pub min: u64,
    pub max: Option<u64>,
    pub memory64: bool,
    pub shared: bool,
}

/// The type of a global.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}

/// The type of anything that can be imported or exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    Func(FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

impl ExternType {
    /// The kind word used in messages ("func", "table", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ExternType::Func(_) => "func",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
            ExternType::Global(_) => "global",
        }
    }
}

fn limits(f: &mut fmt::Formatter<'_>, min: u64, max: Option<u64>) -> fmt::Result {
    match max {
        Some(max) => write!(f, "{min} {max}"),
        None => write!(f, "{min}"),
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => write!(f, "func {t}"),
            ExternType::Table(t) => {
                f.write_str("table ")?;
                limits(f, t.min, t.max)?;
                write!(f, " {}", t.element)
            }
            ExternType::Memory(t) => {
                f.write_str("memory ")?;
                limits(f, t.min, t.max)
            }
            ExternType::Global(t) if t.mutable => write!(f, "global (mut {})", t.content),
            ExternType::Global(t) => write!(f, "global {}", t.content),
        }
    }
}

/// Whether limits `actual` may be used where `expected` is required (import subtyping).
pub(crate) fn limits_match(
    actual_min: u64,
    actual_max: Option<u64>,
    expected_min: u64,
    expected_max: Option<u64>,
) -> bool {
    actual_min >= expected_min
        && match (actual_max, expected_max) {
            (_, None) => true,
            (Some(a), Some(e)) => a <= e,
            (None, Some(_)) => false,
        }
}

/// An import declared by a module.
#[derive(Clone, Debug)]
pub struct ImportType {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

/// An export declared by a module.
#[derive(Clone, Debug)]
pub struct ExportType {
    pub name: String,
    pub ty: ExternType,
}
