//! Bounds-checked access to guest memory: every bad pointer or length is `EFAULT`.

use super::types::{Errno, WasiResult};

/// Most buffers in one `iovec` array (POSIX `IOV_MAX`, as in wasi-libc's `<limits.h>`).
pub(crate) const IOV_MAX: u32 = 1024;

/// Longest path (or other string argument) accepted: far above any host's `PATH_MAX`, and
/// keeps a guest from making the host copy gigabytes per call.
pub(crate) const MAX_STR_LEN: u32 = 64 * 1024;

/// A guest's linear memory during one host call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One scatter/gather buffer (`iovec`/`ciovec`), already bounds-checked.
#[derive(Copy, Clone, Debug)]
pub(crate) struct IoVec {
    pub ptr: u32,
    pub len: u32,
}

impl<'a> GuestMemory<'a> {
    pub fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> WasiResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// Fails with `EFAULT` unless `[ptr, ptr + len)` is inside memory.
    pub fn check(&self, ptr: u32, len: u32) -> WasiResult {
        self.range(ptr, len).map(|_| ())
    }

    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    pub fn write_bytes(&mut self, ptr: u32, data: &[u8]) -> WasiResult {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.slice(ptr, N as u32)?);
        Ok(out)
    }

    pub fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.array::<1>(ptr)?[0])
    }

    pub fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    pub fn write_u8(&mut self, ptr: u32, v: u8) -> WasiResult {
        self.write_bytes(ptr, &[v])
    }

    pub fn write_u16(&mut self, ptr: u32, v: u16) -> WasiResult {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// A guest string (a path): `ENAMETOOLONG` above [`MAX_STR_LEN`] (nothing is copied),
    /// `EFAULT` if out of bounds, `EILSEQ` if not UTF-8.
    pub fn read_str(&self, ptr: u32, len: u32) -> WasiResult<String> {
        if len > MAX_STR_LEN {
            return Err(Errno::NameTooLong);
        }
        let bytes = self.slice(ptr, len)?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| Errno::Ilseq)
    }

    /// Reads an `iovec` array and checks every buffer it points to: `EFAULT` if any of it
    /// is out of bounds, then `EINVAL` for more than [`IOV_MAX`] buffers.
    pub fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<IoVec>> {
        let size = count.checked_mul(8).ok_or(Errno::Fault)?;
        self.check(ptr, size)?;
        if count > IOV_MAX {
            return Err(Errno::Inval);
        }
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let base = ptr + i * 8;
            let iov = IoVec { ptr: self.read_u32(base)?, len: self.read_u32(base + 4)? };
            self.check(iov.ptr, iov.len)?;
            out.push(iov);
        }
        Ok(out)
    }
}
