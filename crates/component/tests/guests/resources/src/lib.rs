//! The `tessera:test/resources` guest: exports the `counter` resource and uses the host's
//! `logger` resource (see ../../wit/resources.wit).

wit_bindgen::generate!({
    world: "resources",
    path: "../wit",
});

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};

use exports::tessera::test::counters::{Counter, Guest as Counters, GuestCounter};
use tessera::test::host_res::Logger;

/// Counters destroyed so far in this instance: the destructor is observable through
/// `dropped-count`.
static DROPPED: AtomicU32 = AtomicU32::new(0);

struct Component;

/// The representation behind a `counter` handle.
pub struct MyCounter {
    value: Cell<u32>,
}

impl Drop for MyCounter {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

impl GuestCounter for MyCounter {
    fn new(start: u32) -> Self {
        MyCounter { value: Cell::new(start) }
    }
    fn increment(&self) {
        self.value.set(self.value.get().wrapping_add(1));
    }
    fn get(&self) -> u32 {
        self.value.get()
    }
    fn sum(
        a: exports::tessera::test::counters::CounterBorrow<'_>,
        b: exports::tessera::test::counters::CounterBorrow<'_>,
    ) -> u32 {
        let a: &MyCounter = a.get();
        let b: &MyCounter = b.get();
        a.get().wrapping_add(b.get())
    }
}

impl Counters for Component {
    type Counter = MyCounter;

    fn dropped_count() -> u32 {
        DROPPED.load(Ordering::Relaxed)
    }
    fn consume(c: Counter) -> u32 {
        let value = c.get::<MyCounter>().get();
        drop(c);
        value
    }
    fn make(start: u32) -> Counter {
        Counter::new(MyCounter::new(start))
    }
    fn double(c: Counter) -> Counter {
        let value = c.get::<MyCounter>().get();
        drop(c);
        Counter::new(MyCounter::new(value.wrapping_mul(2)))
    }
    fn use_loggers(prefix: String, msgs: Vec<String>) -> Vec<String> {
        msgs.iter()
            .enumerate()
            .map(|(i, msg)| {
                let logger = Logger::new(&format!("{prefix}#{i}"));
                logger.log(msg)
            })
            .collect()
    }
    fn counter_demo(a: u32, b: u32) -> (u32, u32) {
        let x = Counter::new(MyCounter::new(a));
        let y = Counter::new(MyCounter::new(b));
        x.get::<MyCounter>().increment();
        let sum = x.get::<MyCounter>().get().wrapping_add(y.get::<MyCounter>().get());
        drop(x);
        drop(y);
        (sum, DROPPED.load(Ordering::Relaxed))
    }
}

export!(Component);
