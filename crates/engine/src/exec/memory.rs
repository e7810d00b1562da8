//! Bounds-checked access to linear memory and tables for the interpreter.

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
