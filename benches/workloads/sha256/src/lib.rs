//! SHA-256 (the `sha2` crate's portable code) over a 64 KiB buffer, chained `n` times.

use common::Rng;
use sha2::{Digest, Sha256};

const BUF: usize = 64 * 1024;

/// Hashes `h || buf` `n` times, feeding each digest into the next round and flipping a byte
/// of the buffer between rounds. Returns the first 8 bytes of the last digest.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    // Known answer (FIPS 180-2, appendix B.1): SHA-256("abc").
    let abc: [u8; 32] = Sha256::digest(b"abc").into();
    assert_eq!(
        abc,
        [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
            0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad
        ]
    );

    let mut rng = Rng::new(256);
    let mut buf: Vec<u8> = (0..BUF).map(|_| rng.next_u32() as u8).collect();
    let mut h = [0u8; 32];
    for i in 0..n as usize {
        let mut s = Sha256::new();
        s.update(h);
        s.update(&buf);
        h = s.finalize().into();
        buf[(i * 7919) % BUF] ^= h[0];
    }
    i64::from_le_bytes(h[..8].try_into().unwrap())
}
