//! Linear memory and tables: loads and stores (memory 0 through the cached view), bulk
//! operations, `memory.grow`, table access.

use std::sync::Arc;

use super::{handlers, or_trap};
use crate::error::TrapCode;
use crate::exec::dispatch::Cx;
use crate::exec::memory::{copy_range, range, read, write};
use crate::ir::{LoadOp, StoreOp};
use crate::store::PAGE_SIZE;

/// The `N` bytes at `addr + off` of memory `mem` (memory 0 through the cached view).
#[inline(always)]
pub(super) fn read_mem<const N: usize>(cx: &Cx, mem: u16, addr: u64, off: u32) -> Result<[u8; N], TrapCode> {
    let bytes = if mem == 0 {
        cx.view.read::<N>(addr as u32, off)
    } else {
        read::<N>(&cx.store.memories[cx.mem_index(mem)].data, u64::from(addr as u32), off)
    };
    bytes.ok_or(TrapCode::MemoryOutOfBounds)
}

/// Writes `bytes` at `addr + off` of memory `mem`.
#[inline(always)]
pub(super) fn write_mem<const N: usize>(
    cx: &mut Cx,
    mem: u16,
    addr: u64,
    off: u32,
    bytes: [u8; N],
) -> Result<(), TrapCode> {
    let written = if mem == 0 {
        cx.view.write(addr as u32, off, bytes)
    } else {
        let mi = cx.mem_index(mem);
        let written = write(&mut cx.store.memories[mi].data, u64::from(addr as u32), off, &bytes);
        cx.refresh_mem();
        written
    };
    written.ok_or(TrapCode::MemoryOutOfBounds)
}

/// Traps on an out-of-bounds access of memory 0's cached view.
macro_rules! view_or_trap {
    ($cx:ident, $ip:ident, $e:expr) => {
        match $e {
            Some(v) => v,
            None => return $cx.trap($ip, TrapCode::MemoryOutOfBounds),
        }
    };
}

handlers! { |ip, fp, cx, acc|
    load(addr) = Load { kind, d, addr, mem, off } => produce d {
        let a = addr;
        match kind {
            LoadOp::I32 | LoadOp::F32 => u64::from(u32::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off)))),
            LoadOp::I64 | LoadOp::F64 => u64::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off))),
            LoadOp::I32_8S => i8::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off))) as i32 as u32 as u64,
            LoadOp::I32_8U => u64::from(or_trap!(cx, ip, read_mem::<1>(cx, mem, a, off))[0]),
            LoadOp::I32_16S => i16::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off))) as i32 as u32 as u64,
            LoadOp::I32_16U => u64::from(u16::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off)))),
            LoadOp::I64_8S => i8::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off))) as i64 as u64,
            LoadOp::I64_8U => u64::from(or_trap!(cx, ip, read_mem::<1>(cx, mem, a, off))[0]),
            LoadOp::I64_16S => i16::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off))) as i64 as u64,
            LoadOp::I64_16U => u64::from(u16::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off)))),
            LoadOp::I64_32S => i32::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off))) as i64 as u64,
            LoadOp::I64_32U => u64::from(u32::from_le_bytes(or_trap!(cx, ip, read_mem(cx, mem, a, off)))),
        }
    }
    store = Store { kind, s, addr, mem, off } => {
        let (v, a) = (fp.r(s), fp.r(addr));
        or_trap!(cx, ip, match kind {
            StoreOp::B1 => write_mem(cx, mem, a, off, [v as u8]),
            StoreOp::B2 => write_mem(cx, mem, a, off, (v as u16).to_le_bytes()),
            StoreOp::B4 => write_mem(cx, mem, a, off, (v as u32).to_le_bytes()),
            StoreOp::B8 => write_mem(cx, mem, a, off, v.to_le_bytes()),
        });
    }
    i32_load(addr) = I32Load { d, addr, off } => produce d {
        u64::from(u32::from_le_bytes(view_or_trap!(cx, ip, cx.view.read(addr as u32, off))))
    }
    i64_load(addr) = I64Load { d, addr, off } => produce d {
        u64::from_le_bytes(view_or_trap!(cx, ip, cx.view.read(addr as u32, off)))
    }
    i32_load8_u(addr) = I32Load8U { d, addr, off } => produce d {
        u64::from(view_or_trap!(cx, ip, cx.view.read::<1>(addr as u32, off))[0])
    }
    i32_load8_s(addr) = I32Load8S { d, addr, off } => produce d {
        let b = view_or_trap!(cx, ip, cx.view.read(addr as u32, off));
        u64::from(i8::from_le_bytes(b) as i32 as u32)
    }
    i32_load16_u(addr) = I32Load16U { d, addr, off } => produce d {
        u64::from(u16::from_le_bytes(view_or_trap!(cx, ip, cx.view.read(addr as u32, off))))
    }
    i32_load16_s(addr) = I32Load16S { d, addr, off } => produce d {
        let b = view_or_trap!(cx, ip, cx.view.read(addr as u32, off));
        u64::from(i16::from_le_bytes(b) as i32 as u32)
    }
    i64_load32_u(addr) = I64Load32U { d, addr, off } => produce d {
        u64::from(u32::from_le_bytes(view_or_trap!(cx, ip, cx.view.read(addr as u32, off))))
    }
    i32_store(s) = I32Store { s, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(fp.r(addr) as u32, off, (s as u32).to_le_bytes()));
    }
    i64_store(s) = I64Store { s, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(fp.r(addr) as u32, off, s.to_le_bytes()));
    }
    i32_store8(s) = I32Store8 { s, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(fp.r(addr) as u32, off, [s as u8]));
    }
    i32_store16(s) = I32Store16 { s, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(fp.r(addr) as u32, off, (s as u16).to_le_bytes()));
    }
    i32_store_imm(addr) = I32StoreImm { v, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(addr as u32, off, v.to_le_bytes()));
    }
    i64_store_imm(addr) = I64StoreImm { v, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(addr as u32, off, i64::from(v).to_le_bytes()));
    }
    i32_store8_imm(addr) = I32Store8Imm { v, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(addr as u32, off, [v as u8]));
    }
    i32_store16_imm(addr) = I32Store16Imm { v, addr, off } => {
        view_or_trap!(cx, ip, cx.view.write(addr as u32, off, (v as u16).to_le_bytes()));
    }
    i32_load_idx(a) = I32LoadIdx { d, a, b, off } => produce d {
        let addr = (a as u32).wrapping_add(fp.r(b) as u32);
        u64::from(u32::from_le_bytes(view_or_trap!(cx, ip, cx.view.read(addr, off))))
    }
    i32_load8_u_idx(a) = I32Load8UIdx { d, a, b, off } => produce d {
        let addr = (a as u32).wrapping_add(fp.r(b) as u32);
        u64::from(view_or_trap!(cx, ip, cx.view.read::<1>(addr, off))[0])
    }
    i32_load_add(a) = I32LoadAdd { d, a, imm, off } => produce d {
        let b = view_or_trap!(cx, ip, cx.view.read((a as u32).wrapping_add(imm as u32), off));
        u64::from(u32::from_le_bytes(b))
    }
    i64_load_add(a) = I64LoadAdd { d, a, imm, off } => produce d {
        let b = view_or_trap!(cx, ip, cx.view.read((a as u32).wrapping_add(imm as u32), off));
        u64::from_le_bytes(b)
    }
    i32_load_at = I32LoadAt { d, ea } => produce d {
        u64::from(u32::from_le_bytes(view_or_trap!(cx, ip, cx.view.read(ea, 0))))
    }
    i64_load_at = I64LoadAt { d, ea } => produce d {
        u64::from_le_bytes(view_or_trap!(cx, ip, cx.view.read(ea, 0)))
    }
    i32_store_at(s) = I32StoreAt { s, ea } => {
        view_or_trap!(cx, ip, cx.view.write(ea, 0, (s as u32).to_le_bytes()));
    }
    i64_store_at(s) = I64StoreAt { s, ea } => {
        view_or_trap!(cx, ip, cx.view.write(ea, 0, s.to_le_bytes()));
    }

    memory_size = MemorySize { d, mem } => {
        fp.w(d, cx.store.memories[cx.mem_index(mem)].data.len() as u64 / PAGE_SIZE);
    }
    memory_grow = MemoryGrow { d, delta, mem } => {
        let mi = cx.mem_index(mem);
        let old = cx.store.grow_memory(mi as u32, u64::from(fp.r(delta) as u32));
        cx.refresh_mem();
        fp.w(d, old.map_or(u64::from(u32::MAX), |o| o));
    }
    memory_fill = MemoryFill { mem, dst, val, len } => {
        let (d0, v, n) = (fp.r(dst) as u32, fp.r(val) as u8, fp.r(len) as u32);
        or_trap!(cx, ip, memory_fill_at(cx, mem, d0, v, n));
    }
    memory_copy = MemoryCopy { dst_mem, src_mem, dst, src, len } => {
        let (d0, s0, n) = (fp.r(dst) as u32, fp.r(src) as u32, fp.r(len) as u32);
        or_trap!(cx, ip, memory_copy_at(cx, (dst_mem, d0), (src_mem, s0), n));
    }
    memory_init = MemoryInit { mem, data, dst, src, len } => {
        let (d0, s0, n) = (fp.r(dst) as u32, fp.r(src) as u32, fp.r(len) as u32);
        or_trap!(cx, ip, memory_init_at(cx, mem, data, d0, s0, n));
    }
    data_drop = DataDrop { data } => {
        cx.store.instances[cx.inst as usize].data_dropped[data as usize] = true;
    }

    table_get = TableGet { d, i, table } => {
        let t = cx.table_index(table);
        match cx.store.tables[t].elems.get(fp.r(i) as u32 as usize) {
            Some(v) => fp.w(d, *v),
            None => return cx.trap(ip, TrapCode::TableOutOfBounds),
        }
    }
    table_set = TableSet { i, v, table } => {
        let t = cx.table_index(table);
        let v = fp.r(v);
        match cx.store.tables[t].elems.get_mut(fp.r(i) as u32 as usize) {
            Some(e) => *e = v,
            None => return cx.trap(ip, TrapCode::TableOutOfBounds),
        }
    }
    table_size = TableSize { d, table } => {
        fp.w(d, cx.store.tables[cx.table_index(table)].elems.len() as u64);
    }
    table_grow = TableGrow { d, init, delta, table } => {
        let t = cx.table_index(u32::from(table));
        let old = cx.store.grow_table(t as u32, u64::from(fp.r(delta) as u32), fp.r(init));
        fp.w(d, old.map_or(u64::from(u32::MAX), |o| o));
    }
    table_fill = TableFill { table, i, v, len } => {
        let (i0, v, n) = (fp.r(i) as u32, fp.r(v), fp.r(len) as u32);
        or_trap!(cx, ip, table_fill_at(cx, table, i0, v, n));
    }
    table_copy = TableCopy { dst_table, src_table, dst, src, len } => {
        let (d0, s0, n) = (fp.r(dst) as u32, fp.r(src) as u32, fp.r(len) as u32);
        or_trap!(cx, ip, table_copy_at(cx, (dst_table, d0), (src_table, s0), n));
    }
    table_init = TableInit { table, elem, dst, src, len } => {
        let (d0, s0, n) = (fp.r(dst) as u32, fp.r(src) as u32, fp.r(len) as u32);
        or_trap!(cx, ip, table_init_at(cx, table, elem, d0, s0, n));
    }
    elem_drop = ElemDrop { elem } => {
        cx.store.instances[cx.inst as usize].elems[elem as usize] = Arc::new([]);
    }
}

// The bulk operations, out of line: they are rare, and keeping their locals out of the
// handlers keeps every handler's continuation a plain tail call.

#[inline(never)]
fn memory_fill_at(cx: &mut Cx, mem: u16, dst: u32, val: u8, len: u32) -> Result<(), TrapCode> {
    let mi = cx.mem_index(mem);
    let data = &mut cx.store.memories[mi].data;
    let rg = range(dst.into(), len.into(), data.len()).ok_or(TrapCode::MemoryOutOfBounds)?;
    data[rg].fill(val);
    cx.refresh_mem();
    Ok(())
}

#[inline(never)]
fn memory_copy_at(
    cx: &mut Cx,
    (dm, dst): (u16, u32),
    (sm, src): (u16, u32),
    len: u32,
) -> Result<(), TrapCode> {
    let (di, si) = (cx.mem_index(dm), cx.mem_index(sm));
    let copied =
        copy_range(&mut cx.store.memories, (di, dst.into()), (si, src.into()), len.into(), |m| &mut m.data);
    cx.refresh_mem();
    copied.ok_or(TrapCode::MemoryOutOfBounds)
}

#[inline(never)]
fn memory_init_at(cx: &mut Cx, mem: u16, data: u32, dst: u32, src: u32, len: u32) -> Result<(), TrapCode> {
    let mi = cx.mem_index(mem);
    let i = &cx.store.instances[cx.inst as usize];
    let seg = if i.data_dropped[data as usize] { 0..0 } else { i.module.datas[data as usize].bytes.clone() };
    let module = i.module.clone();
    let n = u64::from(len);
    let (Some(sr), Some(dr)) =
        (range(src.into(), n, seg.len()), range(dst.into(), n, cx.store.memories[mi].data.len()))
    else {
        return Err(TrapCode::MemoryOutOfBounds);
    };
    let bytes = &module.bytes[seg.start + sr.start..seg.start + sr.end];
    cx.store.memories[mi].data[dr].copy_from_slice(bytes);
    cx.refresh_mem();
    Ok(())
}

#[inline(never)]
fn table_fill_at(cx: &mut Cx, table: u16, i: u32, v: u64, len: u32) -> Result<(), TrapCode> {
    let t = cx.table_index(u32::from(table));
    let elems = &mut cx.store.tables[t].elems;
    let rg = range(i.into(), len.into(), elems.len()).ok_or(TrapCode::TableOutOfBounds)?;
    elems[rg].fill(v);
    Ok(())
}

#[inline(never)]
fn table_copy_at(
    cx: &mut Cx,
    (dt, dst): (u16, u32),
    (st, src): (u16, u32),
    len: u32,
) -> Result<(), TrapCode> {
    let (dt, st) = (cx.table_index(u32::from(dt)), cx.table_index(u32::from(st)));
    let copied =
        copy_range(&mut cx.store.tables, (dt, dst.into()), (st, src.into()), len.into(), |t| &mut t.elems);
    copied.ok_or(TrapCode::TableOutOfBounds)
}

#[inline(never)]
fn table_init_at(cx: &mut Cx, table: u16, elem: u32, dst: u32, src: u32, len: u32) -> Result<(), TrapCode> {
    let t = cx.table_index(u32::from(table));
    let items = cx.store.instances[cx.inst as usize].elems[elem as usize].clone();
    let n = u64::from(len);
    let elems = &mut cx.store.tables[t].elems;
    let (Some(sr), Some(dr)) = (range(src.into(), n, items.len()), range(dst.into(), n, elems.len())) else {
        return Err(TrapCode::TableOutOfBounds);
    };
    elems[dr].copy_from_slice(&items[sr]);
    Ok(())
}
