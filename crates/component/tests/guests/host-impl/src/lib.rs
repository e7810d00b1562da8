//! `tessera:test/host` and `tessera:test/host-res` as a component (see ../../wit/host-impl.wit).

wit_bindgen::generate!({
    world: "host-impl",
    path: "../wit",
});

use exports::tessera::test::host::{Guest as Host, Point};
use exports::tessera::test::host_res::{Guest as HostRes, GuestLogger};

struct Component;

impl Host for Component {
    fn log(_msg: String) {}

    fn add(a: u32, b: u32) -> u32 {
        a.wrapping_add(b)
    }

    fn echo_list(xs: Vec<Point>) -> Vec<Point> {
        xs
    }
}

struct Logger {
    prefix: String,
}

impl GuestLogger for Logger {
    fn new(prefix: String) -> Self {
        Logger { prefix }
    }

    fn log(&self, msg: String) -> String {
        format!("{}: {msg}", self.prefix)
    }
}

impl HostRes for Component {
    type Logger = Logger;
}

export!(Component);
