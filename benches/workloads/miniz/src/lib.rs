//! Compression with `miniz_oxide` (pure-Rust DEFLATE): compress `n` KiB of text-like data at
//! level 6, inflate it again and compare.

use common::{finish, mix, Rng, CHECKSUM_SEED, WORDS};
use miniz_oxide::deflate::compress_to_vec;
use miniz_oxide::inflate::decompress_to_vec;

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let len = n as usize * 1024;
    let mut rng = Rng::new(3);
    let mut data = Vec::with_capacity(len + 64);
    while data.len() < len {
        if rng.below(16) == 0 {
            // Some incompressible noise between the words.
            data.extend((0..8).map(|_| rng.next_u32() as u8));
        } else {
            data.extend_from_slice(rng.pick(WORDS).as_bytes());
            data.push(b' ');
        }
    }
    data.truncate(len);

    let packed = compress_to_vec(&data, 6);
    assert!(packed.len() < data.len() / 2);
    let unpacked = decompress_to_vec(&packed).unwrap();
    assert!(unpacked == data);

    let mut h = mix(CHECKSUM_SEED, packed.len() as u64);
    for chunk in packed.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h = mix(h, u64::from_le_bytes(w));
    }
    finish(h)
}
