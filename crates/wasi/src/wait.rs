//! Waiting on host descriptors and deadlines, shared by every WASI ABI (preview 1's
//! `poll_oneoff` and blocking reads, WASI 0.2's `wasi:io/poll` and blocking streams).
//!
//! Every wait is a real `poll(2)` on the host descriptors involved, never a spin: it sleeps
//! in the kernel until a descriptor is ready or the wait times out. Waits are cut into
//! slices of [`SLICE`] only so that the guest's deadline (the store's interrupt flag, set
//! from another thread) is noticed while the guest is blocked.

use std::time::{Duration, Instant};

use tessera_engine::InterruptHandle;

use crate::sandbox::ErrorCode;

/// The longest one `poll(2)` sleeps before checking for an interrupt again.
pub(crate) const SLICE: Duration = Duration::from_millis(10);

/// How a host descriptor stands right now.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum HostReadiness {
    /// Ready (or hung up, or in error: the operation itself will tell). For reads, how
    /// many bytes are waiting when the host can say.
    Ready { nbytes: u64, hangup: bool },
    /// Not ready yet.
    Pending,
}

/// Whether the host descriptor `raw` is readable (or writable) without blocking.
///
/// # Errors
/// `poll(2)`'s error.
#[cfg(unix)]
pub(crate) fn host_readiness(raw: i32, write: bool) -> Result<HostReadiness, ErrorCode> {
    let events = if write { libc::POLLOUT } else { libc::POLLIN };
    let mut pfd = libc::pollfd { fd: raw, events, revents: 0 };
    // SAFETY: one valid pollfd; zero timeout.
    let rc = unsafe { libc::poll(&mut pfd, 1, 0) };
    if rc < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    if rc == 0 {
        return Ok(HostReadiness::Pending);
    }
    let hangup = pfd.revents & libc::POLLHUP != 0;
    let mut nbytes = 0;
    if !write {
        let mut avail: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int to `avail`.
        if unsafe { libc::ioctl(raw, libc::FIONREAD, &mut avail) } == 0 {
            nbytes = avail.max(0) as u64;
        }
    }
    Ok(HostReadiness::Ready { nbytes, hangup })
}

#[cfg(not(unix))]
pub(crate) fn host_readiness(_raw: i32, _write: bool) -> Result<HostReadiness, ErrorCode> {
    Ok(HostReadiness::Ready { nbytes: 0, hangup: false })
}

/// Whether the host descriptor `raw` is readable right now (for emulated non-blocking reads).
pub(crate) fn ready_now(raw: i32) -> bool {
    !matches!(host_readiness(raw, false), Ok(HostReadiness::Pending))
}

/// Sleeps until one of `fds` (descriptor, wait-for-write) may be ready, or `timeout`
/// passes (`None`: no limit). With no descriptors this is a plain sleep.
///
/// # Errors
/// `poll(2)`'s error (an interrupted `poll` is not one: the caller looks again).
#[cfg(unix)]
pub(crate) fn wait_host_fds(fds: &[(i32, bool)], timeout: Option<Duration>) -> Result<(), ErrorCode> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&(fd, write)| libc::pollfd {
            fd,
            events: if write { libc::POLLOUT } else { libc::POLLIN },
            revents: 0,
        })
        .collect();
    let ms = match timeout {
        None => -1,
        Some(t) => i32::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX),
    };
    // SAFETY: `pfds` is a valid array of `pfds.len()` pollfds for the duration of the call.
    let rc = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
    if rc < 0 {
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err.into());
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn wait_host_fds(_fds: &[(i32, bool)], timeout: Option<Duration>) -> Result<(), ErrorCode> {
    std::thread::sleep(timeout.unwrap_or(SLICE));
    Ok(())
}

fn interrupted(interrupt: Option<&InterruptHandle>) -> bool {
    interrupt.is_some_and(InterruptHandle::is_interrupted)
}

/// Blocks until the host descriptor `raw` is readable (or writable).
///
/// # Errors
/// `Interrupted` once `interrupt` fires (the guest's deadline passed); `poll(2)`'s error.
pub(crate) fn wait_ready(
    raw: i32,
    write: bool,
    interrupt: Option<&InterruptHandle>,
) -> Result<(), ErrorCode> {
    loop {
        if interrupted(interrupt) {
            return Err(ErrorCode::Interrupted);
        }
        if host_readiness(raw, write)? != HostReadiness::Pending {
            return Ok(());
        }
        wait_host_fds(&[(raw, write)], Some(SLICE))?;
    }
}

/// Blocks until one of `fds` may be ready or `deadline` passes (`None`: no deadline, and
/// then `fds` must not be empty), in slices so that `interrupt` is seen.
///
/// # Errors
/// `Interrupted` once `interrupt` fires; `Invalid` when there is nothing to wait for;
/// `poll(2)`'s error.
pub(crate) fn wait_any(
    fds: &[(i32, bool)],
    deadline: Option<Instant>,
    interrupt: Option<&InterruptHandle>,
) -> Result<(), ErrorCode> {
    if fds.is_empty() && deadline.is_none() {
        return Err(ErrorCode::Invalid);
    }
    if interrupted(interrupt) {
        return Err(ErrorCode::Interrupted);
    }
    let slice = match deadline {
        Some(at) => at.saturating_duration_since(Instant::now()).min(SLICE),
        None => SLICE,
    };
    wait_host_fds(fds, Some(slice))
}
