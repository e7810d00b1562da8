//! [`WasiCtx`]: everything one guest was granted, and [`WasiCtxBuilder`] to grant it.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use crate::clocks::Clocks;
use crate::net::{AddressPattern, NetPolicy};
use crate::preview1::table::{Entry, Kind, Table};
use crate::preview1::types::rights;
use crate::random::{OsRandom, RandomSource};
use crate::sandbox::Dir;
use crate::stdio::{InputStream, OutputStream, SharedInput, SharedOutput};

/// The state of one WASI guest: its arguments, environment, clocks, randomness and open
/// descriptors (stdio, preopened directories, and what it opened since).
///
/// A context grants nothing by default: no arguments, no environment, no files, empty
/// stdin, discarded stdout/stderr, no network.
///
/// One context serves a preview 1 module ([`crate::add_to_linker`]) or a WASI 0.2
/// component ([`crate::p2::add_to_linker`]) alike: the grants (stdio, directories, network
/// policy) are shared, and each ABI keeps its own table of what the guest opened.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<String>,
    pub(crate) clocks: Clocks,
    pub(crate) random: Box<dyn RandomSource>,
    /// Preview 1's descriptors.
    pub(crate) table: Table,
    pub(crate) stdin: SharedInput,
    pub(crate) stdout: SharedOutput,
    pub(crate) stderr: SharedOutput,
    /// The granted directories with the names the guest sees them under.
    pub(crate) preopens: Vec<(Arc<Dir>, String)>,
    pub(crate) net: NetPolicy,
    /// WASI 0.2's resources.
    pub(crate) p2: crate::p2::State,
    /// The running store's interrupt handle, picked up on the first call, so blocking
    /// calls can give up when the guest's deadline passes.
    pub(crate) interrupt: Option<tessera_engine::InterruptHandle>,
    /// The limit of open descriptors it was built with.
    max_open_files: usize,
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx").field("args", &self.args).field("env", &self.env).finish_non_exhaustive()
    }
}

impl WasiCtx {
    /// A builder for a context.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// The guest's arguments, program name first.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The guest's environment, as `NAME=VALUE` strings.
    pub fn env(&self) -> &[String] {
        &self.env
    }
}

/// Builds a [`WasiCtx`]; every grant is explicit.
///
/// ```
/// use tessera_wasi::{WasiCtxBuilder, WritePipe};
/// let out = WritePipe::new();
/// let ctx = WasiCtxBuilder::new().arg("prog").env("LANG", "C").stdout(out.clone()).build();
/// assert_eq!(ctx.args(), ["prog"]);
/// ```
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<String>,
    stdin: InputStream,
    stdout: OutputStream,
    stderr: OutputStream,
    preopens: Vec<(Dir, String)>,
    sockets: Vec<std::net::TcpListener>,
    net: NetPolicy,
    random: Box<dyn RandomSource>,
    max_open_files: usize,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl std::fmt::Debug for WasiCtxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtxBuilder")
            .field("args", &self.args)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl WasiCtxBuilder {
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: InputStream::Empty,
            stdout: OutputStream::Sink,
            stderr: OutputStream::Sink,
            preopens: Vec::new(),
            sockets: Vec::new(),
            net: NetPolicy::default(),
            random: Box::new(OsRandom),
            max_open_files: crate::preview1::table::DEFAULT_MAX_FDS,
        }
    }

    /// Appends one argument (the first is the program name, `argv[0]`).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends several arguments.
    pub fn args<S: AsRef<str>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut Self {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Sets one environment variable (replacing an earlier value of the same name).
    pub fn env(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        let name = name.as_ref();
        let prefix = format!("{name}=");
        self.env.retain(|e| !e.starts_with(&prefix));
        self.env.push(format!("{name}={}", value.as_ref()));
        self
    }

    /// Copies the host process's whole environment (variables that are not UTF-8 are skipped).
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
                self.env(k, v);
            }
        }
        self
    }

    /// Grants the host directory `host_path` to the guest under the name `guest_path`
    /// (e.g. `"."` or `"/data"`). With `read_only`, every change beneath it is refused.
    ///
    /// # Errors
    /// If the host directory cannot be opened.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        read_only: bool,
    ) -> std::io::Result<&mut Self> {
        let dir = Dir::open_ambient(host_path, read_only)?;
        self.preopens.push((dir, guest_path.as_ref().to_owned()));
        Ok(self)
    }

    /// Grants an already opened directory (see [`Dir::from_cap_std`]).
    pub fn preopened_cap_dir(&mut self, dir: Dir, guest_path: impl AsRef<str>) -> &mut Self {
        self.preopens.push((dir, guest_path.as_ref().to_owned()));
        self
    }

    /// Grants a listening TCP socket; the guest may `sock_accept` connections on it
    /// (preview 1 only: WASI 0.2 guests open their own sockets, under [`Self::allow_net`]).
    pub fn preopened_socket(&mut self, listener: std::net::TcpListener) -> &mut Self {
        self.sockets.push(listener);
        self
    }

    /// Lets a WASI 0.2 guest create TCP and UDP sockets and bind, connect and send to any
    /// address (`false`: only to those of [`Self::allow_addresses`], the default being none).
    /// Without a grant every socket operation fails with `access-denied`.
    pub fn allow_net(&mut self, allow: bool) -> &mut Self {
        self.net.allow_all(allow);
        self
    }

    /// Lets a WASI 0.2 guest create sockets and bind, connect and send to the addresses
    /// matching `patterns` (and no others, unless [`Self::allow_net`]).
    ///
    /// ```
    /// use tessera_wasi::{AddressPattern, WasiCtxBuilder};
    /// let local: AddressPattern = "127.0.0.1:*".parse().unwrap();
    /// let ctx = WasiCtxBuilder::new().allow_addresses([local]).build();
    /// # drop(ctx);
    /// ```
    pub fn allow_addresses(&mut self, patterns: impl IntoIterator<Item = AddressPattern>) -> &mut Self {
        self.net.allow(patterns);
        self
    }

    /// Lets a WASI 0.2 guest resolve host names (`wasi:sockets/ip-name-lookup`); refused
    /// with `access-denied` otherwise. IP address literals never need this grant.
    pub fn allow_dns(&mut self, allow: bool) -> &mut Self {
        self.net.allow_dns(allow);
        self
    }

    /// The guest's stdin reads from `r`.
    pub fn stdin(&mut self, r: impl Read + Send + 'static) -> &mut Self {
        self.stdin = InputStream::Reader(Box::new(r));
        self
    }

    /// The guest's stdout writes to `w` (flushed after every guest write).
    pub fn stdout(&mut self, w: impl Write + Send + 'static) -> &mut Self {
        self.stdout = OutputStream::Writer(Box::new(w));
        self
    }

    /// The guest's stderr writes to `w` (flushed after every guest write).
    pub fn stderr(&mut self, w: impl Write + Send + 'static) -> &mut Self {
        self.stderr = OutputStream::Writer(Box::new(w));
        self
    }

    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = InputStream::Inherit;
        self
    }

    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = OutputStream::InheritStdout;
        self
    }

    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = OutputStream::InheritStderr;
        self
    }

    /// The guest uses the host process's stdin, stdout and stderr directly: output goes
    /// straight to the host's descriptors, never buffered in memory.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Replaces the source of `random_get` bytes (the host's secure generator by default).
    pub fn random(&mut self, source: impl RandomSource + 'static) -> &mut Self {
        self.random = Box::new(source);
        self
    }

    /// Limits how many descriptors the guest may hold at once, stdio and grants included
    /// (1024 by default; opening more fails with `EMFILE`). Grants are never dropped: the
    /// limit is raised to their number if it is lower.
    pub fn max_open_files(&mut self, n: usize) -> &mut Self {
        self.max_open_files = n;
        self
    }

    /// Builds the context, taking the grants out of the builder (which is left empty).
    pub fn build(&mut self) -> WasiCtx {
        let b = std::mem::take(self);
        let (stdin, stdout, stderr) =
            (SharedInput::new(b.stdin), SharedOutput::new(b.stdout), SharedOutput::new(b.stderr));
        let preopens = b.preopens.into_iter().map(|(dir, name)| (Arc::new(dir), name)).collect();
        let stdio = Stdio { stdin, stdout, stderr };
        assemble(b.args, b.env, b.random, stdio, preopens, b.sockets, b.net, b.max_open_files)
    }
}

impl WasiCtx {
    /// A new context granting what this one grants (arguments, environment, the same
    /// stdio, the same directories, the same network policy, the same limit of open
    /// files), with nothing opened yet: for running many short-lived guests, such as one
    /// instance per HTTP request, without opening the granted directories again each time.
    ///
    /// Handed-over listening sockets are not carried over (one socket cannot be given to
    /// two guests), and randomness comes from the operating system's source, whatever
    /// source this context was built with.
    pub fn fresh_copy(&self) -> WasiCtx {
        let stdio =
            Stdio { stdin: self.stdin.clone(), stdout: self.stdout.clone(), stderr: self.stderr.clone() };
        assemble(
            self.args.clone(),
            self.env.clone(),
            Box::new(OsRandom),
            stdio,
            self.preopens.clone(),
            Vec::new(),
            self.net.clone(),
            self.max_open_files,
        )
    }
}

struct Stdio {
    stdin: SharedInput,
    stdout: SharedOutput,
    stderr: SharedOutput,
}

#[allow(clippy::too_many_arguments)] // the fields of a context, each once
fn assemble(
    args: Vec<String>,
    env: Vec<String>,
    random: Box<dyn RandomSource>,
    stdio: Stdio,
    preopens: Vec<(Arc<Dir>, String)>,
    sockets: Vec<std::net::TcpListener>,
    net: NetPolicy,
    max_open_files: usize,
) -> WasiCtx {
    let grants = 3 + preopens.len() + sockets.len();
    let max_open_files = max_open_files.max(grants);
    let mut table = Table::with_max(max_open_files);
    let Stdio { stdin, stdout, stderr } = stdio;
    table.insert_at(0, Entry::new(Kind::Stdin(stdin.clone()), rights::STDIN, 0));
    table.insert_at(1, Entry::new(Kind::Stdout(stdout.clone()), rights::STDOUT, 0));
    table.insert_at(2, Entry::new(Kind::Stdout(stderr.clone()), rights::STDOUT, 0));
    for (dir, name) in &preopens {
        // A read-only directory still advertises file write rights as inheritable:
        // wasi-libc masks what it asks `path_open` for with them, and would otherwise
        // silently open for reading a file the program asked to write. `path_open`
        // refuses such requests instead, and gives files read-only rights.
        let (base, inheriting) = if dir.is_read_only() {
            (rights::DIR_READ_ONLY, rights::DIR_READ_ONLY | rights::FILE_ALL)
        } else {
            (rights::DIR_ALL, rights::DIR_ALL | rights::FILE_ALL)
        };
        let mut entry = Entry::new(Kind::Dir(dir.clone()), base, inheriting);
        entry.preopen = Some(name.clone());
        // The limit is at least the number of grants, so this cannot fail.
        let _ = table.push(entry);
    }
    for listener in sockets {
        let _ = table.push(Entry::new(Kind::TcpListener(listener), rights::LISTENER, rights::SOCKET));
    }
    WasiCtx {
        args,
        env,
        clocks: Clocks::new(),
        random,
        table,
        stdin,
        stdout,
        stderr,
        preopens,
        net,
        p2: crate::p2::State::new(max_open_files),
        interrupt: None,
        max_open_files,
    }
}

#[cfg(test)]
mod tests {
    /// Embedders move stores between threads: a context must stay `Send`.
    #[test]
    fn a_context_is_send() {
        fn send<T: Send>() {}
        send::<super::WasiCtx>();
    }
}
