//! Bounds-checked access to linear memory and tables for the interpreter.

/// Memory 0 of the running instance as the interpreter's hot loads and stores see it: its
/// base and length in locals, instead of a walk from the store to the memory's `Vec` on every
/// access.
///
/// A view is valid while the buffer it was taken from is neither reallocated nor accessed
/// through another path. The interpreter takes it when a frame starts or resumes running and
/// retakes it after every instruction that reaches memory through the store (`memory.grow`,
/// `memory.fill/copy/init`); calls leave the inner loop, so host code (which may grow or
/// write memory) never runs while a view is in use.
#[derive(Copy, Clone)]
pub(super) struct MemView {
    base: *mut u8,
    len: usize,
}

impl MemView {
    /// No memory: every access is out of bounds.
    pub(super) const NONE: MemView = MemView { base: std::ptr::null_mut(), len: 0 };

    pub(super) fn of(data: &mut Vec<u8>) -> MemView {
        // `Vec::as_mut_ptr` does not materialise a reference to the elements, so the pointer
        // stays valid alongside the `Vec` until the next reallocation or access by reference.
        MemView { base: data.as_mut_ptr(), len: data.len() }
    }

    /// The `N` bytes at `addr + off`, or `None` if any of them is out of bounds.
    #[inline(always)]
    pub(super) fn read<const N: usize>(self, addr: u32, off: u32) -> Option<[u8; N]> {
        // Both terms fit in 32 bits, so the sums cannot overflow a u64.
        let ea = u64::from(addr) + u64::from(off);
        if ea + N as u64 > self.len as u64 {
            return None;
        }
        // SAFETY: `ea..ea + N` lies within the `len` bytes at `base`, which the type's
        // validity rule keeps a live allocation; `read_unaligned` needs no alignment.
        Some(unsafe { self.base.add(ea as usize).cast::<[u8; N]>().read_unaligned() })
    }

    /// Writes `bytes` at `addr + off`, or returns `None` (writing nothing) if out of bounds.
    #[inline(always)]
    pub(super) fn write<const N: usize>(self, addr: u32, off: u32, bytes: [u8; N]) -> Option<()> {
        let ea = u64::from(addr) + u64::from(off);
        if ea + N as u64 > self.len as u64 {
            return None;
        }
        // SAFETY: as for `read`; the interpreter holds `&mut Store`, so nothing else is
        // reading or writing this memory meanwhile.
        unsafe { self.base.add(ea as usize).cast::<[u8; N]>().write_unaligned(bytes) };
        Some(())
    }
}

#[inline(always)]
pub(super) fn read<const N: usize>(mem: &[u8], addr: u64, off: u32) -> Option<[u8; N]> {
    let ea = usize::try_from(addr + u64::from(off)).ok()?;
    mem.get(ea..ea.checked_add(N)?)?.try_into().ok()
}

#[inline(always)]
pub(super) fn write(mem: &mut [u8], addr: u64, off: u32, bytes: &[u8]) -> Option<()> {
    let ea = usize::try_from(addr + u64::from(off)).ok()?;
    mem.get_mut(ea..ea.checked_add(bytes.len())?)?.copy_from_slice(bytes);
    Some(())
}

/// `start..start+len` when it lies within `0..size`.
#[inline]
pub(super) fn range(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    if end > size as u64 {
        return None;
    }
    Some(start as usize..end as usize)
}

#[inline(always)]
pub(super) fn f32_of(bits: u64) -> f32 {
    f32::from_bits(bits as u32)
}

/// `memory.copy` / `table.copy`: copies `len` elements from offset `src` of
/// `items[src_index]` to offset `dst` of `items[dst_index]`, within one item or between two.
/// Returns `None`, copying nothing, if either range is out of bounds.
pub(super) fn copy_range<I, E: Copy>(
    items: &mut [I],
    (dst_index, dst): (usize, u64),
    (src_index, src): (usize, u64),
    len: u64,
    contents: impl Fn(&mut I) -> &mut Vec<E>,
) -> Option<()> {
    let dst = range(dst, len, contents(&mut items[dst_index]).len())?;
    let src = range(src, len, contents(&mut items[src_index]).len())?;
    if dst_index == src_index {
        contents(&mut items[dst_index]).copy_within(src, dst.start);
        return Some(());
    }
    let (dst_item, src_item) = if dst_index < src_index {
        let (lo, hi) = items.split_at_mut(src_index);
        (&mut lo[dst_index], &mut hi[0])
    } else {
        let (lo, hi) = items.split_at_mut(dst_index);
        (&mut hi[0], &mut lo[src_index])
    };
    contents(dst_item)[dst].copy_from_slice(&contents(src_item)[src]);
    Some(())
}
