//! The `wasi_snapshot_preview1` ABI (and the older `wasi_unstable` one): decoding guest
//! arguments, checking rights, and calling the sandbox.
//!
//! Every function returns an `errno` (0 on success) except `proc_exit`, which ends the
//! guest with [`tessera_engine::Error::Exit`]. Every guest pointer and length is
//! bounds-checked (a bad one is `EFAULT`), and output pointers are checked *before* the
//! operation runs, so a bad output pointer never leaves a half-done effect behind.

mod fd;
mod memory;
mod misc;
mod path;
mod poll;
pub(crate) mod table;
pub mod types;

use tessera_engine::{Caller, Error, FuncType, Linker, Result, Val, ValType};

use crate::ctx::WasiCtx;
use memory::GuestMemory;
pub use types::{Abi, Errno};

/// Runs one function body with the guest's memory and its [`WasiCtx`], turning the
/// outcome into an `errno`.
fn run<T, G>(
    caller: &mut Caller<'_, T>,
    get: G,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> types::WasiResult,
) -> Result<i32>
where
    G: Fn(&mut T) -> &mut WasiCtx,
{
    let memory = caller.memory();
    let interrupt = caller.interrupt_handle();
    let store = caller.store();
    let (bytes, data) = match memory {
        Some(m) => m.data_and_store_mut(store),
        None => (<&mut [u8]>::default(), store.data_mut()),
    };
    let ctx = get(data);
    if ctx.interrupt.is_none() {
        ctx.interrupt = Some(interrupt.clone());
    }
    let mut mem = GuestMemory::new(bytes);
    Ok(match f(ctx, &mut mem) {
        Ok(()) => 0,
        // A blocking call cut short by the guest's deadline ends the guest, as a trap.
        Err(types::Errno::Intr) if interrupt.is_interrupted() => {
            return Err(tessera_engine::Trap::new(tessera_engine::TrapCode::Interrupted).into());
        }
        Err(e) => i32::from(e as u16),
    })
}

/// Defines one function: `name(args) -> errno`.
macro_rules! define {
    ($linker:ident, $module:ident, $get:ident, $name:literal,
     |$ctx:ident, $mem:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {
        $linker.func_wrap($module, $name, move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<i32> {
            #[allow(unused_variables)]
            run(&mut caller, $get, |$ctx: &mut WasiCtx, $mem: &mut GuestMemory<'_>| $body)
        })?;
    };
}

/// Adds every WASI preview 1 function to `linker`, under `wasi_snapshot_preview1` and
/// the older name `wasi_unstable` (with preview 0's layouts where they differ). `get`
/// finds the [`WasiCtx`] in the store's data.
///
/// # Errors
/// If one of the names is already defined in `linker` (and shadowing is off).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static,
) -> Result<()> {
    add_module(linker, "wasi_snapshot_preview1", Abi::Preview1, get)?;
    add_module(linker, "wasi_unstable", Abi::Preview0, get)
}

fn add_module<T: 'static, G>(linker: &mut Linker<T>, module: &str, abi: Abi, get: G) -> Result<()>
where
    G: Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static,
{
    let l = linker;
    let m = module;
    define!(l, m, get, "args_get", |c, mem, argv: u32, buf: u32| misc::args_get(c, mem, argv, buf));
    define!(l, m, get, "args_sizes_get", |c, mem, n: u32, s: u32| misc::args_sizes_get(c, mem, n, s));
    define!(l, m, get, "environ_get", |c, mem, env: u32, buf: u32| misc::environ_get(c, mem, env, buf));
    define!(l, m, get, "environ_sizes_get", |c, mem, n: u32, s: u32| misc::environ_sizes_get(c, mem, n, s));
    define!(l, m, get, "clock_res_get", |c, mem, id: u32, out: u32| misc::clock_res_get(c, mem, id, out));
    define!(l, m, get, "clock_time_get", |c, mem, id: u32, precision: u64, out: u32| {
        misc::clock_time_get(c, mem, id, precision, out)
    });
    define!(l, m, get, "fd_advise", |c, mem, fd: u32, off: u64, len: u64, adv: u32| fd::advise(
        c, fd, off, len, adv
    ));
    define!(l, m, get, "fd_allocate", |c, mem, fd: u32, off: u64, len: u64| fd::allocate(c, fd, off, len));
    define!(l, m, get, "fd_close", |c, mem, fd: u32| fd::close(c, fd));
    define!(l, m, get, "fd_datasync", |c, mem, fd: u32| fd::datasync(c, fd));
    define!(l, m, get, "fd_fdstat_get", |c, mem, fd: u32, buf: u32| fd::fdstat_get(c, mem, fd, buf));
    define!(l, m, get, "fd_fdstat_set_flags", |c, mem, fd: u32, flags: u32| fd::fdstat_set_flags(
        c, fd, flags
    ));
    define!(l, m, get, "fd_fdstat_set_rights", |c, mem, fd: u32, base: u64, inh: u64| {
        fd::fdstat_set_rights(c, fd, base, inh)
    });
    define!(l, m, get, "fd_filestat_get", |c, mem, fd: u32, buf: u32| fd::filestat_get(c, mem, abi, fd, buf));
    define!(l, m, get, "fd_filestat_set_size", |c, mem, fd: u32, size: u64| fd::filestat_set_size(
        c, fd, size
    ));
    define!(l, m, get, "fd_filestat_set_times", |c, mem, fd: u32, a: u64, mt: u64, fl: u32| {
        fd::filestat_set_times(c, fd, a, mt, fl)
    });
    define!(l, m, get, "fd_pread", |c, mem, fd: u32, iovs: u32, n: u32, off: u64, out: u32| {
        fd::pread(c, mem, fd, iovs, n, off, out)
    });
    define!(l, m, get, "fd_prestat_get", |c, mem, fd: u32, buf: u32| fd::prestat_get(c, mem, fd, buf));
    define!(l, m, get, "fd_prestat_dir_name", |c, mem, fd: u32, p: u32, len: u32| {
        fd::prestat_dir_name(c, mem, fd, p, len)
    });
    define!(l, m, get, "fd_pwrite", |c, mem, fd: u32, iovs: u32, n: u32, off: u64, out: u32| {
        fd::pwrite(c, mem, fd, iovs, n, off, out)
    });
    define!(l, m, get, "fd_read", |c, mem, fd: u32, iovs: u32, n: u32, out: u32| fd::read(
        c, mem, fd, iovs, n, out
    ));
    define!(l, m, get, "fd_readdir", |c, mem, fd: u32, buf: u32, len: u32, cookie: u64, out: u32| {
        fd::readdir(c, mem, fd, buf, len, cookie, out)
    });
    define!(l, m, get, "fd_renumber", |c, mem, from: u32, to: u32| fd::renumber(c, from, to));
    define!(l, m, get, "fd_seek", |c, mem, fd: u32, off: i64, whence: u32, out: u32| {
        fd::seek(c, mem, abi, fd, off, whence, out)
    });
    define!(l, m, get, "fd_sync", |c, mem, fd: u32| fd::sync(c, fd));
    define!(l, m, get, "fd_tell", |c, mem, fd: u32, out: u32| fd::tell(c, mem, fd, out));
    define!(l, m, get, "fd_write", |c, mem, fd: u32, iovs: u32, n: u32, out: u32| fd::write(
        c, mem, fd, iovs, n, out
    ));
    define!(l, m, get, "path_create_directory", |c, mem, fd: u32, p: u32, len: u32| {
        path::create_directory(c, mem, fd, p, len)
    });
    define!(l, m, get, "path_filestat_get", |c, mem, fd: u32, fl: u32, p: u32, len: u32, buf: u32| {
        path::filestat_get(c, mem, abi, fd, fl, p, len, buf)
    });
    define!(
        l,
        m,
        get,
        "path_filestat_set_times",
        |c, mem, fd: u32, fl: u32, p: u32, len: u32, a: u64, mt: u64, fst: u32| {
            path::filestat_set_times(c, mem, fd, fl, p, len, a, mt, fst)
        }
    );
    define!(l, m, get, "path_link", |c,
                                     mem,
                                     ofd: u32,
                                     ofl: u32,
                                     op: u32,
                                     olen: u32,
                                     nfd: u32,
                                     np: u32,
                                     nlen: u32| {
        path::link(c, mem, ofd, ofl, op, olen, nfd, np, nlen)
    });
    define!(l, m, get, "path_readlink", |c,
                                         mem,
                                         fd: u32,
                                         p: u32,
                                         len: u32,
                                         buf: u32,
                                         blen: u32,
                                         out: u32| {
        path::readlink(c, mem, fd, p, len, buf, blen, out)
    });
    define!(l, m, get, "path_remove_directory", |c, mem, fd: u32, p: u32, len: u32| {
        path::remove_directory(c, mem, fd, p, len)
    });
    define!(l, m, get, "path_rename", |c, mem, fd: u32, op: u32, olen: u32, nfd: u32, np: u32, nlen: u32| {
        path::rename(c, mem, fd, op, olen, nfd, np, nlen)
    });
    define!(l, m, get, "path_symlink", |c, mem, op: u32, olen: u32, fd: u32, np: u32, nlen: u32| {
        path::symlink(c, mem, op, olen, fd, np, nlen)
    });
    define!(l, m, get, "path_unlink_file", |c, mem, fd: u32, p: u32, len: u32| path::unlink_file(
        c, mem, fd, p, len
    ));
    define!(l, m, get, "poll_oneoff", |c, mem, inp: u32, out: u32, n: u32, nev: u32| {
        poll::poll_oneoff(c, mem, abi, inp, out, n, nev)
    });
    define!(l, m, get, "sched_yield", |c, mem| misc::sched_yield());
    define!(l, m, get, "random_get", |c, mem, buf: u32, len: u32| misc::random_get(c, mem, buf, len));
    define!(l, m, get, "sock_recv", |c, mem, fd: u32, iovs: u32, n: u32, fl: u32, out: u32, ofl: u32| {
        misc::sock_recv(c, mem, fd, iovs, n, fl, out, ofl)
    });
    define!(l, m, get, "sock_send", |c, mem, fd: u32, iovs: u32, n: u32, fl: u32, out: u32| {
        misc::sock_send(c, mem, fd, iovs, n, fl, out)
    });
    define!(l, m, get, "sock_shutdown", |c, mem, fd: u32, how: u32| misc::sock_shutdown(c, fd, how));
    if abi == Abi::Preview1 {
        // `sock_accept` arrived in preview 1.
        define!(l, m, get, "sock_accept", |c, mem, fd: u32, fl: u32, out: u32| misc::sock_accept(
            c, mem, fd, fl, out
        ));
    }
    l.func_wrap(m, "proc_exit", |code: u32| -> Result<()> { Err(Error::Exit(code as i32)) })?;
    l.func_wrap(m, "proc_raise", |sig: u32| -> Result<i32> {
        match misc::proc_raise(sig) {
            Ok(misc::RaiseAction::Ignore) => Ok(0),
            Ok(misc::RaiseAction::Terminate(status)) => Err(Error::Exit(status)),
            Err(e) => Ok(i32::from(e as u16)),
        }
    })?;
    // `path_open` has nine parameters, more than `func_wrap` takes.
    let ty = FuncType::new(
        [
            ValType::I32,
            ValType::I32,
            ValType::I32,
            ValType::I32,
            ValType::I32,
            ValType::I64,
            ValType::I64,
            ValType::I32,
            ValType::I32,
        ],
        [ValType::I32],
    );
    l.func_new(m, "path_open", ty, move |mut caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
        let i32_at = |i: usize| match params.get(i) {
            Some(Val::I32(v)) => Ok(*v as u32),
            _ => Err(Error::BadArguments("path_open: bad arguments".into())),
        };
        let i64_at = |i: usize| match params.get(i) {
            Some(Val::I64(v)) => Ok(*v as u64),
            _ => Err(Error::BadArguments("path_open: bad arguments".into())),
        };
        let args = path::OpenArgs {
            fd: i32_at(0)?,
            lookup: i32_at(1)?,
            path: i32_at(2)?,
            path_len: i32_at(3)?,
            oflags: i32_at(4)?,
            base: i64_at(5)?,
            inheriting: i64_at(6)?,
            fdflags: i32_at(7)?,
            fd_out: i32_at(8)?,
        };
        let errno = run(&mut caller, get, |c, mem| path::open(c, mem, &args))?;
        if let Some(r) = results.first_mut() {
            *r = Val::I32(errno);
        }
        Ok(())
    })?;
    Ok(())
}
