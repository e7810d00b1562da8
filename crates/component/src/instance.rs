//! A component [`Instance`] and lookup of its exported functions.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::func::Func;
use crate::instantiate::{Exports, Item};

/// An instantiated component: its exports.
#[derive(Clone)]
pub struct Instance {
    pub(crate) exports: Arc<Exports>,
}

/// What kind of item an export is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Func,
    Instance,
    Type,
    Module,
    Component,
}

impl Instance {
    /// The top-level exported function `name`.
    pub fn get_func(&self, name: &str) -> Option<Func> {
        match self.exports.get(name)? {
            Item::Func(f) => Some(f.clone()),
            _ => None,
        }
    }

    /// The function `name` of the exported instance `instance` (such as
    /// `wasi:cli/run@0.2.0`, `run`).
    pub fn get_func_in(&self, instance: &str, name: &str) -> Option<Func> {
        match self.exports.get(instance)? {
            Item::Instance(e) => match e.get(name)? {
                Item::Func(f) => Some(f.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The top-level exports with their kinds.
    pub fn exports(&self) -> Vec<(String, ExportKind)> {
        self.exports
            .0
            .iter()
            .map(|(n, i)| {
                let k = match i {
                    Item::Func(_) => ExportKind::Func,
                    Item::Instance(_) => ExportKind::Instance,
                    Item::Type(_) => ExportKind::Type,
                    Item::Module(_) => ExportKind::Module,
                    Item::Component(_) => ExportKind::Component,
                };
                (n.clone(), k)
            })
            .collect()
    }

    /// Every exported function with its full name: `name` at the top level,
    /// `instance#name` inside exported instances.
    pub fn funcs(&self) -> Vec<(String, Func)> {
        let mut out = Vec::new();
        for (n, item) in &self.exports.0 {
            match item {
                Item::Func(f) => out.push((n.clone(), f.clone())),
                Item::Instance(e) => {
                    for (fname, item) in &e.0 {
                        if let Item::Func(f) = item {
                            out.push((format!("{n}#{fname}"), f.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Finds an exported function by a name as a user writes it: `name` (top level, or the
    /// only function of that name in any exported instance), `instance#name`, or
    /// `iface.name` where `iface` is the interface part of an instance name
    /// (`calculator.add` for `example:calculator/calculator@0.1.0#add`).
    ///
    /// # Errors
    /// If no function matches, or several do (the message lists them).
    pub fn find_func(&self, name: &str) -> Result<(String, Func)> {
        let all = self.funcs();
        if let Some((n, f)) = all.iter().find(|(n, _)| n == name) {
            return Ok((n.clone(), f.clone()));
        }
        let matches: Vec<&(String, Func)> = all
            .iter()
            .filter(|(full, _)| {
                let Some((inst, fname)) = full.rsplit_once('#') else { return false };
                if fname == name {
                    return true;
                }
                let iface = inst.rsplit_once('/').map_or(inst, |(_, i)| i);
                let iface = iface.split_once('@').map_or(iface, |(i, _)| i);
                name.strip_prefix(iface).and_then(|rest| rest.strip_prefix('.')) == Some(fname)
                    || name.strip_prefix(inst).and_then(|rest| rest.strip_prefix('.')) == Some(fname)
            })
            .collect();
        match matches.as_slice() {
            [(n, f)] => Ok((n.clone(), f.clone())),
            [] => {
                let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
                Err(Error::TypeMismatch(format!(
                    "no exported function `{name}` (exported functions: {})",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                )))
            }
            many => {
                let names: Vec<&str> = many.iter().map(|(n, _)| n.as_str()).collect();
                Err(Error::TypeMismatch(format!(
                    "`{name}` is ambiguous: it could be {}; write `instance#function`",
                    names.join(", ")
                )))
            }
        }
    }
}
