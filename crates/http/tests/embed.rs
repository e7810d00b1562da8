//! The embedding API: a host hands `http::Request`s to a [`ProxyPre`] itself (as it would
//! from its own hyper or axum server) and reads the responses.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tessera_component::Component;
use tessera_engine::{Config, Engine};
use tessera_http::{GuestFailure, ProxyConfig, ProxyError, ProxyPre};

fn guest(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} (run scripts/build-fixtures.sh)", p.display()))
}

fn proxy_guest() -> Vec<u8> {
    guest("tests/guests/target/wasm32-wasip2/release/http_test_proxy.wasm")
}

async fn body_text(r: http::Response<tessera_http::OutgoingBody>) -> (u16, String) {
    let status = r.status().as_u16();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn request(method: &str, uri: &str, body: &'static str) -> http::Request<Full<Bytes>> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

#[test]
fn a_host_hands_requests_to_a_proxy_component() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut config = Config::new();
        config.interruptible(true);
        let engine = Engine::new(&config);
        let component = Component::new(&engine, proxy_guest()).unwrap();
        let proxy_config =
            ProxyConfig { timeout: Some(std::time::Duration::from_millis(200)), ..ProxyConfig::default() };
        let mut proxy = ProxyPre::new(&engine, component, proxy_config).unwrap();
        let failures = Arc::new(Mutex::new(Vec::new()));
        let seen = failures.clone();
        proxy.on_failure(Arc::new(move |method, path, failure| {
            seen.lock()
                .unwrap()
                .push(format!("{method} {path}: {}", matches!(failure, GuestFailure::Trap { .. })));
        }));
        let proxy = Arc::new(proxy);

        assert_eq!(
            body_text(proxy.handle(request("GET", "/hello", "")).await).await,
            (200, "hello from tessera\n".into())
        );
        let r = proxy.handle(request("PUT", "http://example.com/echo?x=1", "payload")).await;
        assert_eq!(r.headers()["x-method"], "PUT");
        assert_eq!(r.headers()["x-authority"], "example.com");
        assert_eq!(r.headers()["x-path-with-query"], "/echo?x=1");
        assert_eq!(body_text(r).await, (200, "payload".into()));
        // Requests handled concurrently, each in its own instance.
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let proxy = proxy.clone();
                tokio::spawn(
                    async move { body_text(proxy.handle(request("GET", "/counter", "")).await).await },
                )
            })
            .collect();
        for h in handles {
            assert_eq!(h.await.unwrap(), (200, "1\n".into()));
        }
        assert_eq!(proxy.handle(request("GET", "/panic", "")).await.status(), 500);
        assert_eq!(proxy.handle(request("GET", "/loop", "")).await.status(), 504);
        assert_eq!(*failures.lock().unwrap(), ["GET /panic: true", "GET /loop: false"]);
    });
}

#[test]
fn a_component_without_the_handler_is_refused_with_its_exports() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let engine = Engine::default();
    let calculator = guest("../../examples/calculator/target/wasm32-wasip2/release/calculator.wasm");
    let component = Component::new(&engine, calculator).unwrap();
    match ProxyPre::new(&engine, component, ProxyConfig::default()) {
        Err(ProxyError::NotAProxy(exports)) => assert_eq!(exports, "`example:calculator/calculator`"),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a calculator is not a proxy"),
    }
}
