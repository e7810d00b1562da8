//! Random bytes for guests.

use crate::sandbox::ErrorCode;

/// A source of random bytes. The default, [`OsRandom`], is the host's secure generator;
/// embedders may install a deterministic one for reproducible runs.
pub trait RandomSource: Send {
    /// Fills `buf` completely.
    ///
    /// # Errors
    /// If no random bytes can be had.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), ErrorCode>;
}

/// The operating system's cryptographically secure generator.
#[derive(Copy, Clone, Debug, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), ErrorCode> {
        getrandom::fill(buf).map_err(|_| ErrorCode::Io)
    }
}
