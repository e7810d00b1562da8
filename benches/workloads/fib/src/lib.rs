//! Recursive Fibonacci: call-heavy, almost no memory traffic.

#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

/// Returns fib(n), checked against the iterative definition.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let n = n as u32;
    let got = fib(n);
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    assert_eq!(got, a);
    got as i64
}
