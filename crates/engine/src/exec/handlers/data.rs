//! Data movement: copies, constants, `select`, globals, `ref.func`.

use super::handlers;
use crate::store::Func;

handlers! { |ip, fp, cx, acc|
    copy(s) = Copy { d, s } => produce d {
        s
    }
    copy_v128 = CopyV128 { d, s } => {
        fp.wv(d, fp.rv(s));
    }
    const32 = Const32 { d, v } => produce d {
        u64::from(v)
    }
    const64 = Const64 { d, v } => produce d {
        v
    }
    const_v128 = ConstV128 { d, idx } => {
        fp.wv(d, cx.pos.cf.get().consts[idx as usize]);
    }
    select = Select { d, c, a, b } => produce d {
        if fp.r(c) as u32 != 0 { fp.r(a) } else { fp.r(b) }
    }
    select_v128 = SelectV128 { d, c, a, b } => {
        fp.wv(d, if fp.r(c) as u32 != 0 { fp.rv(a) } else { fp.rv(b) });
    }
    // SAFETY (globals): validation checked every global index.
    global_get = GlobalGet { d, g } => produce d {
        cx.global(g).bits as u64
    }
    global_set(s) = GlobalSet { s, g } => {
        cx.global(g).bits = u128::from(s);
    }
    global_set_add_imm(a) = GlobalSetAddImm { a, imm, g } => {
        cx.global(g).bits = u128::from((a as u32).wrapping_add(imm as u32));
    }
    global_add_imm = GlobalAddImm { d, imm, g } => produce d {
        let global = cx.global(g);
        let v = (global.bits as u32).wrapping_add(imm as u32);
        global.bits = u128::from(v);
        u64::from(v)
    }
    global_get_v128 = GlobalGetV128 { d, g } => {
        fp.wv(d, cx.global(g).bits);
    }
    global_set_v128 = GlobalSetV128 { s, g } => {
        cx.global(g).bits = fp.rv(s);
    }
    ref_func = RefFunc { d, f } => produce d {
        Func(cx.store.instances[cx.inst as usize].funcs[f as usize]).raw()
    }
}
