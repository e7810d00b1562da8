//! Comparing results with a script's expected values, bit for bit.

use tessera_engine::{Store, Val};
use wast::core::{NanPattern, V128Pattern, WastRetCore};
use wast::WastRet;

use crate::Host;

pub(crate) fn check_results(
    store: &Store<Host>,
    expected: &[WastRet<'_>],
    got: &[Val],
) -> Result<(), String> {
    if expected.len() != got.len() {
        return Err(format!("expected {} results, got {}", expected.len(), got.len()));
    }
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        let WastRet::Core(e) = e else {
            return Err("component results are not core results".into());
        };
        if !matches(store, e, g) {
            return Err(format!("result {i}: expected {e:?}, got {g:?} ({g})"));
        }
    }
    Ok(())
}

pub(crate) fn f32_matches(p: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match p {
        NanPattern::Value(v) => v.bits == bits,
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
    }
}

pub(crate) fn f64_matches(p: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match p {
        NanPattern::Value(v) => v.bits == bits,
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
    }
}

fn matches(store: &Store<Host>, e: &WastRetCore<'_>, g: &Val) -> bool {
    match (e, g) {
        (WastRetCore::I32(e), Val::I32(g)) => e == g,
        (WastRetCore::I64(e), Val::I64(g)) => e == g,
        (WastRetCore::F32(p), Val::F32(g)) => f32_matches(p, *g),
        (WastRetCore::F64(p), Val::F64(g)) => f64_matches(p, *g),
        (WastRetCore::V128(p), Val::V128(g)) => v128_matches(p, *g),
        (WastRetCore::RefNull(_), Val::FuncRef(None) | Val::ExternRef(None)) => true,
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            r.data(store).downcast_ref::<u32>() == Some(n)
        }
        (WastRetCore::Either(alts), g) => alts.iter().any(|a| matches(store, a, g)),
        _ => false,
    }
}

fn v128_matches(p: &V128Pattern, g: u128) -> bool {
    let bytes = g.to_le_bytes();
    match p {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, v)| *v as u8 == bytes[i]),
        V128Pattern::I16x8(l) => l.iter().enumerate().all(|(i, v)| (g >> (16 * i)) as u16 == *v as u16),
        V128Pattern::I32x4(l) => l.iter().enumerate().all(|(i, v)| (g >> (32 * i)) as u32 == *v as u32),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, v)| (g >> (64 * i)) as u64 == *v as u64),
        V128Pattern::F32x4(l) => l.iter().enumerate().all(|(i, p)| f32_matches(p, (g >> (32 * i)) as u32)),
        V128Pattern::F64x2(l) => l.iter().enumerate().all(|(i, p)| f64_matches(p, (g >> (64 * i)) as u64)),
    }
}
