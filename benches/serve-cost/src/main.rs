//! `tessera-serve-cost COMPONENT [N]`: hands N requests for `/` to a `ProxyPre`, one after
//! another, and prints the mean time of one: a new store and instance, the guest's handler,
//! and its whole response body read. No sockets, no HTTP parsing: what `tessera serve` adds
//! to each request on top of the network.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use tessera_component::Component;
use tessera_engine::Engine;
use tessera_http::{ProxyConfig, ProxyPre};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: tessera-serve-cost COMPONENT [N]");
    let n: u32 = args.get(2).map_or(20_000, |s| s.parse().expect("N is a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let engine = Engine::default();
        let component = Component::new(&engine, std::fs::read(path).unwrap()).unwrap();
        let proxy = Arc::new(ProxyPre::new(&engine, component, ProxyConfig::default()).unwrap());
        let one = || async {
            let r = proxy.handle(http::Request::get("/").body(Empty::<Bytes>::new()).unwrap()).await;
            assert_eq!(r.status(), 200);
            r.into_body().collect().await.unwrap().to_bytes().len()
        };
        for _ in 0..n / 10 {
            one().await;
        }
        let started = Instant::now();
        let mut bytes = 0;
        for _ in 0..n {
            bytes += one().await;
        }
        let us = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        println!("{us:.1} µs per request ({n} requests, {} body bytes each)", bytes / n as usize);
    });
}
