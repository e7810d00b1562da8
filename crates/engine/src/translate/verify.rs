//! The last step of translation: checks the invariants the interpreter relies on instead of
//! checking at run time (see `exec`'s SAFETY comments). A failure here is a translator bug; it
//! is reported as an error for the function, never left for the interpreter to meet.

use crate::ir::Instr;

/// The slot counts of a translated function's frame.
pub(super) struct FrameShape {
    /// Slots taken by parameters.
    pub(super) param_slots: u16,
    /// Slots taken by parameters and declared locals.
    pub(super) local_slots: u16,
    /// Slots the frame takes in all.
    pub(super) frame_slots: u32,
}

/// Checks that
/// - every slot an instruction names, and the slot after it (a `v128` takes two), lies inside
///   the frame: `slot + 1 < frame_slots`;
/// - every branch target, and every arm of a `br_table`, is an instruction of this function;
/// - the code ends with an instruction that never falls through, so stepping to the next
///   instruction after any other one stays inside the code.
///
/// # Errors
/// Names the first instruction that breaks a rule.
pub(super) fn verify(code: &[Instr], func: &FrameShape) -> Result<(), String> {
    let len = code.len() as u64;
    let bad = |pc: usize, what: &str| Err(format!("internal error: translated instruction {pc} {what}"));
    if !code.last().is_some_and(Instr::is_terminal) {
        return bad(code.len(), "is missing: the code does not end in a jump, trap or return");
    }
    if func.param_slots > func.local_slots || u32::from(func.local_slots) > func.frame_slots {
        return bad(0, "starts a frame smaller than its locals");
    }
    for (pc, instr) in code.iter().enumerate() {
        let mut slots_ok = true;
        instr.for_each_slot(|s| slots_ok &= u32::from(s) + 1 < func.frame_slots);
        if !slots_ok {
            return bad(pc, "names a slot outside its frame");
        }
        if instr.target().is_some_and(|t| u64::from(t) >= len) {
            return bad(pc, "branches outside its function");
        }
        if let Instr::BrTable { len: arms, .. } = *instr {
            let last_arm = pc as u64 + 1 + u64::from(arms);
            if last_arm >= len
                || !code[pc + 1..=last_arm as usize].iter().all(|i| matches!(i, Instr::Br { .. }))
            {
                return bad(pc, "is a br_table not followed by its arms");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(frame_slots: u32) -> FrameShape {
        FrameShape { param_slots: 0, local_slots: 0, frame_slots }
    }

    #[test]
    fn accepts_well_formed_code() {
        let code = vec![
            Instr::Const32 { d: 0, v: 1 },
            Instr::BrTable { c: 0, len: 1 },
            Instr::Br { t: 4 },
            Instr::Br { t: 0 },
            Instr::Return,
        ];
        assert_eq!(verify(&code, &frame(2)), Ok(()));
    }

    #[test]
    fn rejects_each_broken_rule() {
        let cases = [
            (vec![Instr::Const32 { d: 0, v: 1 }], 2, "does not end"),
            (vec![Instr::Const32 { d: 1, v: 1 }, Instr::Return], 2, "outside its frame"),
            (vec![Instr::Br { t: 1 }], 2, "outside its function"),
            (vec![Instr::BrTable { c: 0, len: 1 }, Instr::Br { t: 0 }], 2, "arms"),
            (vec![Instr::BrTable { c: 0, len: 0 }, Instr::Return], 2, "arms"),
        ];
        for (code, slots, want) in cases {
            let err = verify(&code, &frame(slots)).expect_err(&format!("{code:?}"));
            assert!(err.contains(want), "{code:?}: {err}");
        }
    }
}
