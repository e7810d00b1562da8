//! Dense f64 matrix multiply, `n`×`n`, i-k-j loop order.

use common::{finish, mix, Rng, CHECKSUM_SEED};

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let n = n as usize;
    let mut rng = Rng::new(42);
    let a: Vec<f64> = (0..n * n).map(|_| rng.next_f64() - 0.5).collect();
    let b: Vec<f64> = (0..n * n).map(|_| rng.next_f64() - 0.5).collect();
    let mut c = vec![0.0f64; n * n];

    for i in 0..n {
        let crow = &mut c[i * n..(i + 1) * n];
        for k in 0..n {
            let aik = a[i * n + k];
            let brow = &b[k * n..(k + 1) * n];
            for (cij, bkj) in crow.iter_mut().zip(brow) {
                *cij += aik * bkj;
            }
        }
    }

    // Check: the row sums of C equal A times the row sums of B (up to rounding).
    let bsum: Vec<f64> = (0..n).map(|k| b[k * n..(k + 1) * n].iter().sum()).collect();
    for i in 0..n {
        let want: f64 = (0..n).map(|k| a[i * n + k] * bsum[k]).sum();
        let got: f64 = c[i * n..(i + 1) * n].iter().sum();
        assert!((want - got).abs() <= 1e-9 * (1.0 + want.abs()));
    }

    let mut h = CHECKSUM_SEED;
    for x in &c {
        h = mix(h, x.to_bits());
    }
    finish(h)
}
