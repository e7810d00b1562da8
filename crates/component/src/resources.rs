//! Per-instance run-time state of the Component Model: the handle table and the flags that
//! stop reentrance and leaving at the wrong time (CanonicalABI.md, "Runtime State").
//!
//! Who owns what: a component instance's handle table owns the `own` handles its core code
//! refers to by index; lifting an `own` out of a table moves it (the slot is freed), lowering
//! one into a table adds it. The host holds handles as [`crate::ResourceAny`] values and
//! keeps no table of its own.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{trap, trap_if, Result};
use crate::types::ResourceType;

/// The spec's `Table.MAX_LENGTH`.
const MAX_HANDLES: usize = (1 << 28) - 1;

/// One component instance's run-time state, shared by its lifted functions, its lowered
/// imports and its resource built-ins.
pub(crate) struct InstanceState {
    pub(crate) parent: Option<Arc<InstanceState>>,
    data: Mutex<InstanceData>,
}

pub(crate) struct InstanceData {
    pub(crate) handles: HandleTable,
    /// False while one of this instance's exports (or an ancestor's) is running.
    pub(crate) may_enter: bool,
    /// False while `realloc` or `post-return` runs: the instance may not call out then.
    pub(crate) may_leave: bool,
    /// One entry per call into this instance still running (innermost last): the call's
    /// id and the borrow handles lent to it that are not dropped yet (the spec's
    /// `Task.num_borrows`). Reentrant calls get their own entry.
    pub(crate) call_scopes: Vec<(u64, u32)>,
}

static NEXT_CALL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl InstanceData {
    /// Starts a call's borrow scope; returns its id.
    pub(crate) fn push_scope(&mut self) -> u64 {
        let id = NEXT_CALL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.call_scopes.push((id, 0));
        id
    }

    /// Ends the call `id`; returns how many borrows it left undropped.
    pub(crate) fn pop_scope(&mut self, id: u64) -> u32 {
        match self.call_scopes.iter().rposition(|(s, _)| *s == id) {
            Some(i) => self.call_scopes.remove(i).1,
            None => 0,
        }
    }

    /// The running call's scope, where a borrow lent now is counted.
    pub(crate) fn current_scope(&mut self) -> Option<&mut (u64, u32)> {
        self.call_scopes.last_mut()
    }

    /// A borrow of call `scope` was dropped.
    pub(crate) fn borrow_dropped(&mut self, scope: u64) {
        if let Some((_, n)) = self.call_scopes.iter_mut().find(|(s, _)| *s == scope) {
            *n = n.saturating_sub(1);
        }
    }
}

impl InstanceState {
    pub(crate) fn new(parent: Option<Arc<InstanceState>>) -> Arc<InstanceState> {
        Arc::new(InstanceState {
            parent,
            data: Mutex::new(InstanceData {
                handles: HandleTable::default(),
                may_enter: true,
                may_leave: true,
                call_scopes: Vec::new(),
            }),
        })
    }

    /// Locks the state. Never held across a call into wasm or the host.
    pub(crate) fn lock(&self) -> MutexGuard<'_, InstanceData> {
        // A poisoned lock only means a panic elsewhere; the data itself stays consistent
        // because every critical section is a few field updates.
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn self_and_ancestors(self: &Arc<Self>) -> Vec<Arc<InstanceState>> {
        let mut out = vec![self.clone()];
        let mut cur = self.parent.clone();
        while let Some(p) = cur {
            cur = p.parent.clone();
            out.push(p);
        }
        out
    }

    /// The instances a call from `caller` into `self` enters: `self` and its ancestors,
    /// minus those the caller is already inside.
    pub(crate) fn entering_set(
        self: &Arc<Self>,
        caller: Option<&Arc<InstanceState>>,
    ) -> Vec<Arc<InstanceState>> {
        let mut set = self.self_and_ancestors();
        if let Some(caller) = caller {
            let theirs = caller.self_and_ancestors();
            set.retain(|i| !theirs.iter().any(|c| Arc::ptr_eq(c, i)));
        }
        set
    }

    /// Marks the entering set as entered, or traps if any of it already is (reentrance).
    pub(crate) fn enter(set: &[Arc<InstanceState>]) -> Result<()> {
        for inst in set {
            trap_if(!inst.lock().may_enter, "cannot enter component instance")?;
        }
        for inst in set {
            inst.lock().may_enter = false;
        }
        Ok(())
    }

    pub(crate) fn leave(set: &[Arc<InstanceState>]) {
        for inst in set {
            inst.lock().may_enter = true;
        }
    }

    pub(crate) fn check_may_leave(&self) -> Result<()> {
        trap_if(!self.lock().may_leave, "cannot leave component instance")
    }

    pub(crate) fn set_may_leave(&self, v: bool) {
        self.lock().may_leave = v;
    }
}

/// One slot of a handle table.
#[derive(Clone, Debug)]
pub(crate) struct Handle {
    pub(crate) ty: ResourceType,
    pub(crate) rep: u32,
    pub(crate) own: bool,
    /// Borrowed handles lent out of this one for calls still running.
    pub(crate) num_lends: u32,
    /// For a borrow handle: the call it was lent to (it must be dropped before that call
    /// returns).
    pub(crate) scope: Option<u64>,
}

/// The spec's `Table`: index 0 is never used, freed slots are reused last-in first-out.
#[derive(Default)]
pub(crate) struct HandleTable {
    slots: Vec<Option<Handle>>,
    free: Vec<u32>,
}

impl HandleTable {
    pub(crate) fn add(&mut self, h: Handle) -> Result<u32> {
        if self.slots.is_empty() {
            self.slots.push(None);
        }
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(h);
            return Ok(i);
        }
        let i = self.slots.len();
        trap_if(i > MAX_HANDLES, "too many handles in the table")?;
        self.slots.push(Some(h));
        Ok(i as u32)
    }

    pub(crate) fn get(&self, i: u32) -> Result<&Handle> {
        self.slots
            .get(i as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| trap(format!("unknown handle index {i}")))
    }

    pub(crate) fn get_mut(&mut self, i: u32) -> Result<&mut Handle> {
        self.slots
            .get_mut(i as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| trap(format!("unknown handle index {i}")))
    }

    pub(crate) fn remove(&mut self, i: u32) -> Result<Handle> {
        self.get(i)?;
        let h = self.slots[i as usize].take().expect("checked above");
        self.free.push(i);
        Ok(h)
    }
}
