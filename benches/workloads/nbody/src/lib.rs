//! N-body: the Jovian planets around the sun, symplectic Euler steps of 0.01 days,
//! the computation of the Computer Language Benchmarks Game's `nbody`.

// Vector components read most clearly as `v[k]` for k in 0..3.
#![allow(clippy::needless_range_loop)]

use std::f64::consts::PI;

const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

fn body(pos: [f64; 3], vel: [f64; 3], mass: f64) -> Body {
    Body { pos, vel: vel.map(|v| v * DAYS_PER_YEAR), mass: mass * SOLAR_MASS }
}

fn system() -> [Body; 5] {
    let mut bodies = [
        body([0.0; 3], [0.0; 3], 1.0),
        // Jupiter
        body(
            [4.841_431_442_464_72e0, -1.160_320_044_027_428_4e0, -1.036_220_444_711_231_1e-1],
            [1.660_076_642_744_037e-3, 7.699_011_184_197_404e-3, -6.904_600_169_720_63e-5],
            9.547_919_384_243_266e-4,
        ),
        // Saturn
        body(
            [8.343_366_718_244_58e0, 4.124_798_564_124_305e0, -4.035_234_171_143_214e-1],
            [-2.767_425_107_268_624e-3, 4.998_528_012_349_172e-3, 2.304_172_975_737_639_3e-5],
            2.858_859_806_661_308e-4,
        ),
        // Uranus
        body(
            [1.289_436_956_213_913_1e1, -1.511_115_140_169_863_1e1, -2.233_075_788_926_557_3e-1],
            [2.964_601_375_647_616e-3, 2.378_471_739_594_809_5e-3, -2.965_895_685_402_375_6e-5],
            4.366_244_043_351_563e-5,
        ),
        // Neptune
        body(
            [1.537_969_711_485_091_6e1, -2.591_931_460_998_796_4e1, 1.792_587_729_503_711_8e-1],
            [2.680_677_724_903_893_2e-3, 1.628_241_700_382_423e-3, -9.515_922_545_197_159e-5],
            5.151_389_020_466_114_5e-5,
        ),
    ];
    // Give the sun the momentum that makes the system's total zero.
    let mut p = [0.0; 3];
    for b in &bodies {
        for d in 0..3 {
            p[d] += b.vel[d] * b.mass;
        }
    }
    for d in 0..3 {
        bodies[0].vel[d] = -p[d] / SOLAR_MASS;
    }
    bodies
}

fn energy(bodies: &[Body; 5]) -> f64 {
    let mut e = 0.0;
    for (i, b) in bodies.iter().enumerate() {
        e += 0.5 * b.mass * b.vel.iter().map(|v| v * v).sum::<f64>();
        for c in &bodies[i + 1..] {
            let d2: f64 = (0..3).map(|k| (b.pos[k] - c.pos[k]) * (b.pos[k] - c.pos[k])).sum();
            e -= b.mass * c.mass / d2.sqrt();
        }
    }
    e
}

fn advance(bodies: &mut [Body; 5], dt: f64) {
    for i in 0..bodies.len() {
        let (head, tail) = bodies.split_at_mut(i + 1);
        let b = &mut head[i];
        for c in tail {
            let dx = [b.pos[0] - c.pos[0], b.pos[1] - c.pos[1], b.pos[2] - c.pos[2]];
            let d2 = dx[0] * dx[0] + dx[1] * dx[1] + dx[2] * dx[2];
            let mag = dt / (d2 * d2.sqrt());
            for k in 0..3 {
                b.vel[k] -= dx[k] * c.mass * mag;
                c.vel[k] += dx[k] * b.mass * mag;
            }
        }
    }
    for b in bodies.iter_mut() {
        for k in 0..3 {
            b.pos[k] += dt * b.vel[k];
        }
    }
}

/// Advances `n` steps (n ≥ 1000) and returns the bits of the final energy. Checks the
/// published energies: -0.169075164 at the start and -0.169087605 after 1000 steps.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let mut bodies = system();
    assert!((energy(&bodies) - -0.169_075_164).abs() < 6e-10);
    for step in 1..=n {
        advance(&mut bodies, 0.01);
        if step == 1000 {
            assert!((energy(&bodies) - -0.169_087_605).abs() < 6e-10);
        }
    }
    let e = energy(&bodies);
    assert!((e - -0.169_075_164).abs() < 1e-3);
    e.to_bits() as i64
}
