//! Regular expressions with the `regex` crate: compile four patterns (Unicode classes
//! included) and scan a generated text of `n` lines, checking every count and sum against what
//! the generator inserted.

use common::{finish, is_ing_word, mix, Rng, CHECKSUM_SEED, WORDS};
use regex::Regex;
use std::fmt::Write;

const DOMAINS: &[&str] = &["example", "mail", "tessera", "post", "wasm"];

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let mut rng = Rng::new(11);
    let mut text = String::new();
    let (mut emails, mut dates, mut date_sum, mut ing, mut upper) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for _ in 0..n {
        for _ in 0..12 {
            match rng.below(40) {
                0 => {
                    let user = rng.pick(WORDS);
                    let dom = rng.pick(DOMAINS);
                    write!(text, "{user}{}@{dom}.org ", rng.below(1000)).unwrap();
                    emails += 1;
                }
                1 => {
                    let (y, m, d) = (1900 + rng.below(200), 1 + rng.below(12), 1 + rng.below(28));
                    write!(text, "{y:04}-{m:02}-{d:02}, ").unwrap();
                    dates += 1;
                    date_sum += u64::from(y * 10_000 + m * 100 + d);
                }
                2 => {
                    text.push_str("Tessera ");
                    upper += 1;
                }
                _ => {
                    let w = rng.pick(WORDS);
                    ing += u64::from(is_ing_word(w));
                    text.push_str(w);
                    text.push(if rng.below(8) == 0 { ',' } else { ' ' });
                }
            }
        }
        text.push('\n');
    }

    let email = Regex::new(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}").unwrap();
    let date = Regex::new(r"(\d{4})-(\d{2})-(\d{2})").unwrap();
    let ing_re = Regex::new(r"\b\w+ing\b").unwrap();
    let cap_word = Regex::new(r"\b\p{Lu}\w*").unwrap();

    assert_eq!(email.find_iter(&text).count() as u64, emails);
    let mut got_sum = 0u64;
    let mut got_dates = 0u64;
    for c in date.captures_iter(&text) {
        let f = |i: usize| c[i].parse::<u64>().unwrap();
        got_sum += f(1) * 10_000 + f(2) * 100 + f(3);
        got_dates += 1;
    }
    assert_eq!((got_dates, got_sum), (dates, date_sum));
    assert_eq!(ing_re.find_iter(&text).count() as u64, ing);
    assert_eq!(cap_word.find_iter(&text).count() as u64, upper);

    let mut h = CHECKSUM_SEED;
    for v in [text.len() as u64, emails, dates, date_sum, ing, upper] {
        h = mix(h, v);
    }
    finish(h)
}
