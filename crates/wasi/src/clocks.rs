//! Clocks a guest may read: wall clock, a monotonic clock, and CPU time.

use std::time::{Duration, Instant, SystemTime};

use crate::sandbox::{system_time_to_ns, ErrorCode};

/// Which clock.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClockId {
    /// Wall-clock time; zero is 1970-01-01T00:00:00Z.
    Realtime,
    /// A clock that never goes back; its epoch is meaningless (here: when the context was built).
    Monotonic,
    /// CPU time used by the host process.
    ProcessCpuTime,
    /// CPU time used by the calling host thread.
    ThreadCpuTime,
}

/// The clocks of one guest.
#[derive(Clone, Debug)]
pub struct Clocks {
    start: Instant,
}

impl Default for Clocks {
    fn default() -> Self {
        Clocks::new()
    }
}

impl Clocks {
    pub fn new() -> Clocks {
        Clocks { start: Instant::now() }
    }

    /// The time of `id`, in nanoseconds.
    ///
    /// # Errors
    /// `Unsupported`/`Invalid` if the host cannot read that clock.
    pub fn now(&self, id: ClockId) -> Result<u64, ErrorCode> {
        match id {
            ClockId::Realtime => Ok(system_time_to_ns(SystemTime::now())),
            // Offset by one second so that zero never appears as a reading.
            ClockId::Monotonic => Ok(u64::try_from(self.start.elapsed().as_nanos())
                .unwrap_or(u64::MAX)
                .saturating_add(1_000_000_000)),
            ClockId::ProcessCpuTime => cpu_time(true),
            ClockId::ThreadCpuTime => cpu_time(false),
        }
    }

    /// The moment the monotonic clock will read `ns` (now, for a reading in the past).
    /// Waits are capped at about a century, to keep `Instant` arithmetic in range.
    pub fn monotonic_deadline(&self, ns: u64) -> Instant {
        let now = self.now(ClockId::Monotonic).unwrap_or(u64::MAX);
        deadline_in(ns.saturating_sub(now))
    }

    /// The resolution of `id`, in nanoseconds (never zero).
    ///
    /// # Errors
    /// `Unsupported`/`Invalid` if the host cannot read that clock.
    pub fn resolution(&self, id: ClockId) -> Result<u64, ErrorCode> {
        #[cfg(unix)]
        {
            let clk = match id {
                ClockId::Realtime => libc::CLOCK_REALTIME,
                ClockId::Monotonic => libc::CLOCK_MONOTONIC,
                ClockId::ProcessCpuTime => libc::CLOCK_PROCESS_CPUTIME_ID,
                ClockId::ThreadCpuTime => libc::CLOCK_THREAD_CPUTIME_ID,
            };
            let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: `ts` is a valid, writable timespec.
            if unsafe { libc::clock_getres(clk, &mut ts) } != 0 {
                return Err(std::io::Error::last_os_error().into());
            }
            Ok(timespec_ns(&ts).max(1))
        }
        #[cfg(not(unix))]
        {
            let _ = id;
            Ok(1_000)
        }
    }
}

/// The moment `ns` nanoseconds from now, capped at about a century.
pub fn deadline_in(ns: u64) -> Instant {
    const CENTURY_NS: u64 = 100 * 365 * 24 * 3600 * 1_000_000_000;
    Instant::now() + Duration::from_nanos(ns.min(CENTURY_NS))
}

#[cfg(unix)]
fn timespec_ns(ts: &libc::timespec) -> u64 {
    (ts.tv_sec.max(0) as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec.max(0) as u64)
}

#[cfg(unix)]
fn cpu_time(process: bool) -> Result<u64, ErrorCode> {
    let clk = if process { libc::CLOCK_PROCESS_CPUTIME_ID } else { libc::CLOCK_THREAD_CPUTIME_ID };
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_gettime(clk, &mut ts) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(timespec_ns(&ts))
}

#[cfg(not(unix))]
fn cpu_time(_process: bool) -> Result<u64, ErrorCode> {
    Err(ErrorCode::Unsupported)
}
