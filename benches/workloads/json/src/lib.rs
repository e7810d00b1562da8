//! JSON with `serde_json`: serialize `n` generated orders, parse the text back both into typed
//! structs (serde derive) and into an untyped `Value`, and check both against the original.

use common::{finish, mix, Rng, CHECKSUM_SEED, WORDS};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Item {
    sku: String,
    qty: u32,
    price: f64,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Order {
    id: u64,
    customer: String,
    paid: bool,
    note: Option<String>,
    total: f64,
    items: Vec<Item>,
}

fn orders(n: usize) -> Vec<Order> {
    let mut rng = Rng::new(7);
    (0..n)
        .map(|i| {
            let items: Vec<Item> = (0..1 + rng.below(4))
                .map(|_| Item {
                    sku: format!("SKU-{:06}", rng.below(1_000_000)),
                    qty: 1 + rng.below(9),
                    // Multiples of 0.25 print and parse exactly.
                    price: f64::from(rng.below(40_000)) * 0.25,
                    tags: (0..rng.below(3)).map(|_| rng.pick(WORDS).to_string()).collect(),
                })
                .collect();
            let total = items.iter().map(|it| it.price * f64::from(it.qty)).sum();
            let customer = format!("{} \"{}\" {}", rng.pick(WORDS), rng.pick(WORDS), rng.below(100));
            let note = (rng.below(4) == 0).then(|| format!("{}\n{}\tü", rng.pick(WORDS), i));
            Order { id: 1_000_000 + i as u64, customer, paid: rng.below(2) == 0, note, total, items }
        })
        .collect()
}

/// Counts nodes and sums the numbers and string lengths of an untyped document.
fn walk(v: &Value, acc: &mut (u64, f64, u64)) {
    acc.0 += 1;
    match v {
        Value::Number(x) => acc.1 += x.as_f64().unwrap(),
        Value::String(s) => acc.2 += s.len() as u64,
        Value::Array(a) => a.iter().for_each(|x| walk(x, acc)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            acc.2 += k.len() as u64;
            walk(x, acc)
        }),
        Value::Null | Value::Bool(_) => {}
    }
}

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let original = orders(n as usize);
    let text = serde_json::to_string(&original).unwrap();

    let typed: Vec<Order> = serde_json::from_str(&text).unwrap();
    assert!(typed == original);

    let untyped: Value = serde_json::from_str(&text).unwrap();
    let mut acc = (0u64, 0f64, 0u64);
    walk(&untyped, &mut acc);
    assert_eq!(untyped.as_array().unwrap().len(), original.len());
    let ids: u64 = untyped.as_array().unwrap().iter().map(|o| o["id"].as_u64().unwrap()).sum();
    assert_eq!(ids, original.iter().map(|o| o.id).sum::<u64>());

    let mut h = CHECKSUM_SEED;
    h = mix(h, text.len() as u64);
    h = mix(h, acc.0);
    h = mix(h, acc.1.to_bits());
    h = mix(h, acc.2);
    finish(h)
}
