//! Sorting: `sort_unstable` (pattern-defeating quicksort) on `n` random u32s, then the stable
//! `sort_by_key` (driftsort) on `n` records with many equal keys, both verified.

use common::{finish, mix, Rng, CHECKSUM_SEED};

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let n = n as usize;
    let mut rng = Rng::new(5);

    let mut v: Vec<u32> = (0..n).map(|_| rng.next_u32()).collect();
    let sum_before = v.iter().fold(0u64, |s, &x| s.wrapping_add(u64::from(x)));
    v.sort_unstable();
    assert!(v.windows(2).all(|w| w[0] <= w[1]));
    let sum_after = v.iter().fold(0u64, |s, &x| s.wrapping_add(u64::from(x)));
    assert_eq!(sum_before, sum_after);

    // (key, original position): a stable sort keeps positions ascending within a key.
    let mut recs: Vec<(u16, u32)> = (0..n as u32).map(|i| (rng.below(1000) as u16, i)).collect();
    recs.sort_by_key(|r| r.0);
    assert!(recs.windows(2).all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1)));

    let mut h = CHECKSUM_SEED;
    for (i, x) in v.iter().enumerate().step_by(61) {
        h = mix(h, (i as u64) << 32 | u64::from(*x));
    }
    for r in recs.iter().step_by(61) {
        h = mix(h, u64::from(r.0) << 32 | u64::from(r.1));
    }
    finish(h)
}
