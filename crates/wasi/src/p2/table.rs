//! The resources a WASI 0.2 guest holds: one table per context, indexed by the `rep` each
//! handle carries. The component runtime keeps the guest's handle table (which handle is
//! own or borrowed, and of which type); this table keeps what the handles stand for.

use std::collections::hash_map::RandomState;

use super::filesystem::{Descriptor, DirEntries};
use super::io::{ErrorInfo, Source};
#[cfg(unix)]
use super::sockets::{DatagramStream, Resolve, TcpSocket, UdpSocket};
use super::streams::{InStream, OutStream};
use super::{trap, HostResult};

/// Marker types naming each host resource type for the component linker
/// (`ResourceType::host::<R>()`).
pub(crate) mod res {
    pub struct Error;
    pub struct Pollable;
    pub struct InputStream;
    pub struct OutputStream;
    pub struct Descriptor;
    pub struct DirectoryEntryStream;
    pub struct TerminalInput;
    pub struct TerminalOutput;
    pub struct Network;
    pub struct TcpSocket;
    pub struct UdpSocket;
    pub struct IncomingDatagramStream;
    pub struct OutgoingDatagramStream;
    pub struct ResolveAddressStream;
}

/// What one handle stands for.
pub(crate) enum Entry {
    Error(ErrorInfo),
    Pollable(Source),
    Input(InStream),
    Output(OutStream),
    Descriptor(Descriptor),
    DirEntries(DirEntries),
    TerminalInput,
    TerminalOutput,
    Network,
    #[cfg(unix)]
    Tcp(TcpSocket),
    #[cfg(unix)]
    Udp(UdpSocket),
    #[cfg(unix)]
    Datagrams(DatagramStream),
    #[cfg(unix)]
    Resolve(Resolve),
}

impl Entry {
    /// Whether the entry holds host descriptors of its own (counted against the limit of
    /// open files, as preview 1's descriptors are).
    fn holds_host_fd(&self) -> bool {
        match self {
            Entry::Descriptor(d) => d.own_fd,
            #[cfg(unix)]
            Entry::Tcp(_) | Entry::Udp(_) | Entry::Resolve(_) => true,
            _ => false,
        }
    }
}

/// Everything of WASI 0.2 a context keeps.
pub(crate) struct State {
    pub table: Table,
    /// `wasi:random/insecure-seed`'s answer, fixed on first use.
    pub insecure_seed: Option<(u64, u64)>,
    /// Keys for `metadata-hash`: hashes of (device, inode) that do not reveal either.
    pub hash_keys: RandomState,
}

impl State {
    pub fn new(max_open_files: usize) -> State {
        State { table: Table::new(max_open_files), insecure_seed: None, hash_keys: RandomState::new() }
    }
}

/// Most resources of any kind a guest may hold at once: a guard against a guest that
/// subscribes or opens streams forever without dropping them (the host's memory is finite).
const MAX_ENTRIES: usize = 1 << 20;

/// Resources by `rep`; freed numbers are reused.
pub(crate) struct Table {
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    len: usize,
    host_fds: usize,
    max_host_fds: usize,
}

/// Why [`Table::push`] refused.
#[derive(Debug)]
pub(crate) enum Full {
    /// Too many host descriptors open: an error the guest gets.
    HostFds,
    /// Too many resources altogether: a trap.
    Entries,
}

impl Table {
    pub fn new(max_host_fds: usize) -> Table {
        Table { slots: Vec::new(), free: Vec::new(), len: 0, host_fds: 0, max_host_fds }
    }

    /// Adds an entry; its `rep`.
    pub fn try_push(&mut self, e: Entry) -> Result<u32, Full> {
        if self.len >= MAX_ENTRIES {
            return Err(Full::Entries);
        }
        let fd = e.holds_host_fd();
        if fd && self.host_fds >= self.max_host_fds {
            return Err(Full::HostFds);
        }
        let rep = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(e);
                i
            }
            None => {
                let i = u32::try_from(self.slots.len()).map_err(|_| Full::Entries)?;
                self.slots.push(Some(e));
                i
            }
        };
        self.len += 1;
        self.host_fds += usize::from(fd);
        Ok(rep)
    }

    /// Adds an entry that holds no host descriptor (pollables, streams, errors); its `rep`.
    ///
    /// # Errors
    /// A trap when the guest holds too many resources.
    pub fn push(&mut self, e: Entry) -> HostResult<u32> {
        self.try_push(e).map_err(|_| trap("too many WASI resources held at once"))
    }

    pub fn get(&self, rep: u32) -> HostResult<&Entry> {
        self.slots
            .get(rep as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| trap(format!("unknown WASI resource {rep}")))
    }

    pub fn get_mut(&mut self, rep: u32) -> HostResult<&mut Entry> {
        self.slots
            .get_mut(rep as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| trap(format!("unknown WASI resource {rep}")))
    }

    /// Removes an entry (a guest dropped its handle); closes what it held.
    pub fn remove(&mut self, rep: u32) -> Option<Entry> {
        let e = self.slots.get_mut(rep as usize)?.take()?;
        self.free.push(rep);
        self.len -= 1;
        self.host_fds -= usize::from(e.holds_host_fd());
        Some(e)
    }
}

fn wrong(rep: u32, want: &str) -> super::HostError {
    trap(format!("WASI resource {rep} is not a {want}"))
}

macro_rules! accessors {
    ($($get:ident $get_mut:ident $variant:ident $ty:ty, $what:literal;)*) => {
        impl Table {
            $(
                #[allow(dead_code)]
                pub fn $get(&self, rep: u32) -> HostResult<&$ty> {
                    match self.get(rep)? {
                        Entry::$variant(x) => Ok(x),
                        _ => Err(wrong(rep, $what)),
                    }
                }

                #[allow(dead_code)]
                pub fn $get_mut(&mut self, rep: u32) -> HostResult<&mut $ty> {
                    match self.get_mut(rep)? {
                        Entry::$variant(x) => Ok(x),
                        _ => Err(wrong(rep, $what)),
                    }
                }
            )*
        }
    };
}

accessors! {
    error error_mut Error ErrorInfo, "error";
    pollable pollable_mut Pollable Source, "pollable";
    input input_mut Input InStream, "input-stream";
    output output_mut Output OutStream, "output-stream";
    descriptor descriptor_mut Descriptor Descriptor, "descriptor";
    dir_entries dir_entries_mut DirEntries DirEntries, "directory-entry-stream";
}

#[cfg(unix)]
accessors! {
    tcp tcp_mut Tcp TcpSocket, "tcp-socket";
    udp udp_mut Udp UdpSocket, "udp-socket";
    datagrams datagrams_mut Datagrams DatagramStream, "datagram stream";
    resolve resolve_mut Resolve Resolve, "resolve-address-stream";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reps_are_reused_and_host_fds_are_limited() {
        let mut t = Table::new(1);
        let a = t.push(Entry::Network).unwrap();
        let b = t.push(Entry::TerminalInput).unwrap();
        assert_ne!(a, b);
        assert!(t.remove(a).is_some());
        assert!(t.remove(a).is_none(), "removing twice is harmless");
        assert_eq!(t.push(Entry::TerminalOutput).unwrap(), a);
        assert!(t.get(99).is_err());
        assert!(t.error(b).is_err(), "a terminal is not an error");
    }
}
