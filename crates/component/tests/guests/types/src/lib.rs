//! The `tessera:test/types` guest: echoes every WIT type back, computes a little, and calls
//! the host's `tessera:test/host` functions (see ../../wit/types.wit).

wit_bindgen::generate!({
    world: "types",
    path: "../wit",
});

use exports::tessera::test::roundtrip::{
    BigFlags, Color, ErrorCode, Guest as Roundtrip, KeywordCase, KitchenSink, MediumFlags, Pair, Point,
    Profile, Shape, SmallFlags,
};
use tessera::test::host;

struct Component;

impl Roundtrip for Component {
    fn echo_bool(x: bool) -> bool {
        x
    }
    fn echo_s8(x: i8) -> i8 {
        x
    }
    fn echo_s16(x: i16) -> i16 {
        x
    }
    fn echo_s32(x: i32) -> i32 {
        x
    }
    fn echo_s64(x: i64) -> i64 {
        x
    }
    fn echo_u8(x: u8) -> u8 {
        x
    }
    fn echo_u16(x: u16) -> u16 {
        x
    }
    fn echo_u32(x: u32) -> u32 {
        x
    }
    fn echo_u64(x: u64) -> u64 {
        x
    }
    fn echo_f32(x: f32) -> f32 {
        x
    }
    fn echo_f64(x: f64) -> f64 {
        x
    }
    fn echo_char(x: char) -> char {
        x
    }
    fn echo_string(x: String) -> String {
        x
    }
    fn echo_bytes(x: Vec<u8>) -> Vec<u8> {
        x
    }
    fn echo_strings(x: Vec<String>) -> Vec<String> {
        x
    }
    fn echo_pairs(x: Vec<Pair>) -> Vec<Pair> {
        x
    }
    fn echo_nested_lists(x: Vec<Vec<i32>>) -> Vec<Vec<i32>> {
        x
    }
    fn echo_pair(x: Pair) -> Pair {
        x
    }
    fn echo_tuple(x: (u8, String, f64)) -> (u8, String, f64) {
        x
    }
    fn echo_shape(x: Shape) -> Shape {
        x
    }
    fn echo_color(x: Color) -> Color {
        x
    }
    fn echo_keyword_case(x: KeywordCase) -> KeywordCase {
        x
    }
    fn echo_option(x: Option<String>) -> Option<String> {
        x
    }
    fn echo_nested_option(x: Option<Option<u32>>) -> Option<Option<u32>> {
        x
    }
    fn echo_result(x: Result<String, ErrorCode>) -> Result<String, ErrorCode> {
        x
    }
    fn echo_result_no_ok(x: Result<(), String>) -> Result<(), String> {
        x
    }
    fn echo_result_no_err(x: Result<u32, ()>) -> Result<u32, ()> {
        x
    }
    fn echo_bare_result(x: Result<(), ()>) -> Result<(), ()> {
        x
    }
    fn echo_small_flags(x: SmallFlags) -> SmallFlags {
        x
    }
    fn echo_medium_flags(x: MediumFlags) -> MediumFlags {
        x
    }
    fn echo_big_flags(x: BigFlags) -> BigFlags {
        x
    }
    fn echo_profile(x: Profile) -> Profile {
        x
    }
    fn echo_kitchen_sink(x: KitchenSink) -> KitchenSink {
        x
    }
    fn echo_points(x: Vec<Point>) -> Vec<Point> {
        x
    }

    fn many_params(
        a: u8,
        b: i8,
        c: u16,
        d: i16,
        e: u32,
        f: i32,
        g: u64,
        h: i64,
        i: f32,
        j: f64,
        k: char,
        l: bool,
        m: String,
        n: Vec<u8>,
        o: Color,
        p: Option<u32>,
        q: Pair,
        r: SmallFlags,
    ) -> String {
        let color = match o {
            Color::Red => "red",
            Color::Green => "green",
            Color::Blue => "blue",
        };
        format!(
            "{a} {b} {c} {d} {e} {f} {g} {h} {i:?} {j:?} {k:?} {l} {m:?} {n:?} {color} {p:?} \
             ({}, {}) {}",
            q.left,
            q.right,
            r.bits()
        )
    }

    fn make_tuple(n: u32, s: String) -> (u32, String, bool) {
        (n.wrapping_mul(2), s.repeat(2), n % 2 == 0)
    }
    fn split_pair(p: Pair) -> Pair {
        Pair { left: p.right, right: p.left }
    }

    fn trailing_options(a: u32, b: Option<u32>, c: Option<String>) -> (u32, Option<u32>, Option<String>) {
        (a, b, c)
    }

    fn nothing() {}
    fn ignore(_x: u32) {}

    fn mul(p: Pair) -> u64 {
        u64::from(p.left) * u64::from(p.right)
    }
    fn reverse(s: String) -> String {
        s.chars().rev().collect()
    }
    fn sum(xs: Vec<i64>) -> i64 {
        xs.iter().fold(0i64, |acc, x| acc.wrapping_add(*x))
    }
    fn divide(a: i32, b: i32) -> Result<i32, String> {
        if b == 0 {
            return Err("division by zero".to_string());
        }
        a.checked_div(b).ok_or_else(|| "overflow".to_string())
    }
    fn parse_color(s: String) -> Result<Color, ErrorCode> {
        match s.as_str() {
            "red" => Ok(Color::Red),
            "green" => Ok(Color::Green),
            "blue" => Ok(Color::Blue),
            "" => Err(ErrorCode::Invalid),
            s if s.len() > 10 => Err(ErrorCode::TooBig),
            _ => Err(ErrorCode::NotFound),
        }
    }
    fn count_flags(x: BigFlags) -> u32 {
        x.bits().count_ones()
    }

    fn call_host(s: String) -> String {
        host::log(&s);
        let n = host::add(s.len() as u32, 100);
        let points = host::echo_list(&[Point { x: 1, y: -2 }, Point { x: n as i32, y: 0 }]);
        let points: Vec<String> = points.iter().map(|p| format!("({},{})", p.x, p.y)).collect();
        format!("{s}: {n} {}", points.join(""))
    }
    fn points_via_host(xs: Vec<Point>) -> Vec<Point> {
        host::echo_list(&xs)
            .into_iter()
            .map(|p| Point { x: p.x.wrapping_add(1), y: p.y.wrapping_add(1) })
            .collect()
    }
}

impl Guest for Component {
    fn version() -> String {
        "tessera-test-types 1".to_string()
    }
}

export!(Component);
