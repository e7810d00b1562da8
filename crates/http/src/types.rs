//! `wasi:http/types`: fields, requests, responses, bodies and their futures, as host
//! functions of the component linker.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method};
use tessera_component::{Linker, LinkerInstance, Result, Val};
use tessera_wasi::p2::host::{define_io_type, HostPollable, IoType, Readiness};
use tessera_wasi::WasiCtx;

use crate::body::{End, IncomingStream, Outgoing, OutgoingBody, OutgoingStream};
use crate::ctx::{
    trap, Entry, FutureTrailers, HttpCtx, HttpView, IncomingBodyRes, OutgoingBodyRes, OutgoingRequest,
    OutgoingResponse, RequestOptions, ResponseSlot, Scheme,
};
use crate::error::{ErrorCode, HeaderError};
use crate::fields::Fields;
use crate::vals::{bytes, bytes_of, case, own, rep_of, str_of, Args};

/// Marker types naming each wasi:http resource type for the component linker.
pub(crate) mod res {
    pub struct Fields;
    pub struct IncomingRequest;
    pub struct OutgoingRequest;
    pub struct RequestOptions;
    pub struct ResponseOutparam;
    pub struct IncomingResponse;
    pub struct IncomingBody;
    pub struct FutureTrailers;
    pub struct OutgoingResponse;
    pub struct OutgoingBody;
    pub struct FutureIncomingResponse;
}

/// The version every interface is defined at (serving any 0.2.x import).
pub(crate) const VERSION: &str = "0.2.0";

/// A host function body: both contexts and the arguments in, the result out.
pub(crate) type Body = fn(&mut WasiCtx, &mut HttpCtx, &Args<'_>) -> Result<Val>;

/// Defines functions and resources of one interface instance.
pub(crate) struct Iface<'a, T> {
    pub inst: LinkerInstance<'a, T>,
}

impl<'a, T: HttpView> Iface<'a, T> {
    pub fn new(linker: &'a mut Linker<T>, name: &str) -> Result<Iface<'a, T>> {
        Ok(Iface { inst: linker.instance(&format!("wasi:http/{name}@{VERSION}"))? })
    }

    pub fn func(&mut self, name: &str, body: Body) -> Result<()> {
        self.inst.func_new(name, move |store, params, results| {
            let (wasi, http) = store.data_mut().ctx();
            let out = body(wasi, http, &Args(params))?;
            if let Some(slot) = results.first_mut() {
                *slot = out;
            }
            Ok(())
        })
    }

    /// Defines resource type `name`; a guest dropping an owned handle frees the entry.
    pub fn resource<R: 'static>(&mut self, name: &str) -> Result<()> {
        self.inst.resource::<R>(name, |store, rep| {
            // The entry's own `Drop` does what dropping means for it.
            let _ = store.data_mut().ctx().1.table.remove(rep);
            Ok(())
        })
    }

    /// Defines the `wasi:io` types an interface `use`s.
    pub fn io_types(&mut self, types: &[(&str, IoType)]) -> Result<()> {
        for (name, ty) in types {
            define_io_type(&mut self.inst, name, *ty, T::wasi)?;
        }
        Ok(())
    }
}

fn method_val(m: &Method) -> Val {
    let name = match *m {
        Method::GET => "get",
        Method::HEAD => "head",
        Method::POST => "post",
        Method::PUT => "put",
        Method::DELETE => "delete",
        Method::CONNECT => "connect",
        Method::OPTIONS => "options",
        Method::TRACE => "trace",
        Method::PATCH => "patch",
        _ => return case("other", Some(Val::String(m.as_str().to_string()))),
    };
    case(name, None)
}

/// A `method` from the guest; `None` for an `other` that is not a valid token.
fn method_of(v: &Val) -> Result<Option<Method>> {
    let Val::Variant(name, payload) = v else { return Err(trap("expected a method variant")) };
    Ok(match (name.as_str(), payload.as_deref()) {
        ("get", _) => Some(Method::GET),
        ("head", _) => Some(Method::HEAD),
        ("post", _) => Some(Method::POST),
        ("put", _) => Some(Method::PUT),
        ("delete", _) => Some(Method::DELETE),
        ("connect", _) => Some(Method::CONNECT),
        ("options", _) => Some(Method::OPTIONS),
        ("trace", _) => Some(Method::TRACE),
        ("patch", _) => Some(Method::PATCH),
        ("other", Some(Val::String(s))) => Method::from_bytes(s.as_bytes()).ok(),
        _ => None,
    })
}

fn scheme_val(s: &Scheme) -> Val {
    match s {
        Scheme::Http => case("HTTP", None),
        Scheme::Https => case("HTTPS", None),
        Scheme::Other(o) => case("other", Some(Val::String(o.clone()))),
    }
}

fn scheme_of(v: &Val) -> Result<Scheme> {
    match v {
        Val::Variant(n, _) if n == "HTTP" => Ok(Scheme::Http),
        Val::Variant(n, _) if n == "HTTPS" => Ok(Scheme::Https),
        Val::Variant(n, Some(p)) if n == "other" => Ok(Scheme::Other(str_of(p)?.to_string())),
        _ => Err(trap("expected a scheme variant")),
    }
}

fn opt_string(s: &Option<String>) -> Val {
    s.clone().map_or_else(Val::none, |s| Val::some(Val::String(s)))
}

fn header_result(r: std::result::Result<(), HeaderError>) -> Val {
    match r {
        Ok(()) => Val::ok(Val::unit()),
        Err(e) => Val::err(e.to_val()),
    }
}

fn push_fields(http: &mut HttpCtx, f: Fields) -> Result<Val> {
    Ok(own::<res::Fields>(http.table.push(Entry::Fields(f))?))
}

fn entries_val(entries: Vec<(String, Vec<u8>)>) -> Val {
    Val::List(entries.into_iter().map(|(n, v)| Val::Tuple(vec![Val::String(n), bytes(&v)])).collect())
}

/// The value of a `list<field-value>`.
fn values_of(v: &[Val]) -> Result<Vec<Vec<u8>>> {
    v.iter().map(|b| bytes_of(b).ok_or_else(|| trap("expected list<u8> field values"))).collect()
}

struct SlotReady {
    slot: Arc<ResponseSlot>,
    signal: Arc<tessera_wasi::p2::host::Signal>,
}

impl HostPollable for SlotReady {
    fn readiness(&self) -> Readiness {
        let ready = self.slot.value.lock().map(|v| v.is_some()).unwrap_or(true);
        if ready {
            Readiness::Ready
        } else {
            Readiness::Pending(self.signal.clone())
        }
    }
}

struct TrailersReady(Arc<crate::body::Incoming>);

impl HostPollable for TrailersReady {
    fn readiness(&self) -> Readiness {
        self.0.end_readiness()
    }
}

/// The declared `content-length`, if the fields carry a valid one.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(http::header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

fn incoming_body(http: &mut HttpCtx, body: Option<Arc<crate::body::Incoming>>) -> Result<Val> {
    Ok(match body {
        Some(incoming) => {
            let rep = http.table.push(Entry::IncomingBody(IncomingBodyRes { incoming, stream: None }))?;
            Val::ok(own::<res::IncomingBody>(rep))
        }
        None => Val::err(Val::unit()),
    })
}

fn outgoing_body(http: &mut HttpCtx, outgoing: Arc<Outgoing>) -> Result<Val> {
    let body = OutgoingBodyRes { outgoing, stream: None, finished: false };
    Ok(Val::ok(own::<res::OutgoingBody>(http.table.push(Entry::OutgoingBody(body))?)))
}

fn duration_of(v: Option<&Val>) -> Result<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(Val::U64(ns)) => Ok(Some(Duration::from_nanos(*ns))),
        Some(other) => Err(trap(format!("expected a duration, got {}", other.kind()))),
    }
}

fn duration_val(d: Option<Duration>) -> Val {
    d.map_or_else(Val::none, |d| Val::some(Val::U64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))))
}

/// Adds `wasi:http/types` to `linker`.
pub(crate) fn add<T: HttpView>(linker: &mut Linker<T>) -> Result<()> {
    let mut i = Iface::new(linker, "types")?;
    i.io_types(&[
        ("input-stream", IoType::InputStream),
        ("output-stream", IoType::OutputStream),
        ("io-error", IoType::Error),
        ("pollable", IoType::Pollable),
    ])?;
    i.resource::<res::Fields>("fields")?;
    i.resource::<res::Fields>("headers")?;
    i.resource::<res::Fields>("trailers")?;
    i.resource::<res::IncomingRequest>("incoming-request")?;
    i.resource::<res::OutgoingRequest>("outgoing-request")?;
    i.resource::<res::RequestOptions>("request-options")?;
    i.resource::<res::ResponseOutparam>("response-outparam")?;
    i.resource::<res::IncomingResponse>("incoming-response")?;
    i.resource::<res::IncomingBody>("incoming-body")?;
    i.resource::<res::FutureTrailers>("future-trailers")?;
    i.resource::<res::OutgoingResponse>("outgoing-response")?;
    i.resource::<res::OutgoingBody>("outgoing-body")?;
    i.resource::<res::FutureIncomingResponse>("future-incoming-response")?;

    add_fields(&mut i)?;
    add_requests(&mut i)?;
    add_responses(&mut i)?;
    add_bodies(&mut i)?;

    i.func("http-error-code", |wasi, _, a| {
        let payload = wasi.io_error_payload(a.rep(0)?);
        Ok(match payload.as_ref().and_then(|p| p.downcast_ref::<ErrorCode>()) {
            Some(code) => Val::some(code.to_val()),
            None => Val::none(),
        })
    })
}

fn add_fields<T: HttpView>(i: &mut Iface<'_, T>) -> Result<()> {
    i.func("[constructor]fields", |_, http, _| push_fields(http, Fields::default()))?;
    i.func("[static]fields.from-list", |_, http, a| {
        let entries = a
            .list(0)?
            .iter()
            .map(|e| match e {
                Val::Tuple(t) if t.len() == 2 => Ok((
                    str_of(&t[0])?.to_string(),
                    bytes_of(&t[1]).ok_or_else(|| trap("expected list<u8> field values"))?,
                )),
                _ => Err(trap("expected a list of (name, value) tuples")),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(match Fields::from_list(&entries) {
            Ok(f) => Val::ok(push_fields(http, f)?),
            Err(e) => Val::err(e.to_val()),
        })
    })?;
    i.func("[method]fields.get", |_, http, a| {
        let values = http.table.fields(a.rep(0)?)?.get(a.str(1)?);
        Ok(Val::List(values.iter().map(|v| bytes(v)).collect()))
    })?;
    i.func("[method]fields.has", |_, http, a| Ok(Val::Bool(http.table.fields(a.rep(0)?)?.has(a.str(1)?))))?;
    i.func("[method]fields.set", |_, http, a| {
        let values = values_of(a.list(2)?)?;
        Ok(header_result(http.table.fields(a.rep(0)?)?.set(a.str(1)?, &values)))
    })?;
    i.func("[method]fields.delete", |_, http, a| {
        Ok(header_result(http.table.fields(a.rep(0)?)?.delete(a.str(1)?)))
    })?;
    i.func("[method]fields.append", |_, http, a| {
        let value = a.bytes(2)?;
        Ok(header_result(http.table.fields(a.rep(0)?)?.append(a.str(1)?, &value)))
    })?;
    i.func("[method]fields.entries", |_, http, a| Ok(entries_val(http.table.fields(a.rep(0)?)?.entries())))?;
    i.func("[method]fields.clone", |_, http, a| {
        let map = http.table.fields(a.rep(0)?)?.map.clone();
        push_fields(http, Fields { map, immutable: false })
    })
}

fn add_requests<T: HttpView>(i: &mut Iface<'_, T>) -> Result<()> {
    i.func("[method]incoming-request.method", |_, http, a| {
        Ok(method_val(&http.table.incoming_request(a.rep(0)?)?.method))
    })?;
    i.func("[method]incoming-request.path-with-query", |_, http, a| {
        Ok(opt_string(&http.table.incoming_request(a.rep(0)?)?.path_with_query))
    })?;
    i.func("[method]incoming-request.scheme", |_, http, a| {
        Ok(http
            .table
            .incoming_request(a.rep(0)?)?
            .scheme
            .as_ref()
            .map_or_else(Val::none, |s| Val::some(scheme_val(s))))
    })?;
    i.func("[method]incoming-request.authority", |_, http, a| {
        Ok(opt_string(&http.table.incoming_request(a.rep(0)?)?.authority))
    })?;
    i.func("[method]incoming-request.headers", |_, http, a| {
        let map = http.table.incoming_request(a.rep(0)?)?.headers.clone();
        push_fields(http, Fields::frozen(map))
    })?;
    i.func("[method]incoming-request.consume", |_, http, a| {
        let body = http.table.incoming_request(a.rep(0)?)?.body.take();
        incoming_body(http, body)
    })?;

    i.func("[constructor]outgoing-request", |_, http, a| {
        let headers = http.table.take_fields(a.rep(0)?)?.map;
        let req = OutgoingRequest {
            method: Method::GET,
            scheme: None,
            authority: None,
            path_with_query: None,
            headers,
            body: None,
        };
        Ok(own::<res::OutgoingRequest>(http.table.push(Entry::OutgoingRequest(req))?))
    })?;
    i.func("[method]outgoing-request.body", |_, http, a| {
        let signal = http.signal.clone();
        let req = http.table.outgoing_request(a.rep(0)?)?;
        if req.body.is_some() {
            return Ok(Val::err(Val::unit()));
        }
        let outgoing = Outgoing::new(signal, content_length(&req.headers));
        req.body = Some(outgoing.clone());
        outgoing_body(http, outgoing)
    })?;
    i.func("[method]outgoing-request.method", |_, http, a| {
        Ok(method_val(&http.table.outgoing_request(a.rep(0)?)?.method))
    })?;
    i.func("[method]outgoing-request.set-method", |_, http, a| {
        let Some(m) = method_of(a.val(1)?)? else { return Ok(Val::err(Val::unit())) };
        http.table.outgoing_request(a.rep(0)?)?.method = m;
        Ok(Val::ok(Val::unit()))
    })?;
    i.func("[method]outgoing-request.path-with-query", |_, http, a| {
        Ok(opt_string(&http.table.outgoing_request(a.rep(0)?)?.path_with_query))
    })?;
    i.func("[method]outgoing-request.set-path-with-query", |_, http, a| {
        let p = a.option(1)?.map(str_of).transpose()?;
        if p.is_some_and(|p| p.parse::<http::uri::PathAndQuery>().is_err()) {
            return Ok(Val::err(Val::unit()));
        }
        http.table.outgoing_request(a.rep(0)?)?.path_with_query = p.map(str::to_string);
        Ok(Val::ok(Val::unit()))
    })?;
    i.func("[method]outgoing-request.scheme", |_, http, a| {
        Ok(http
            .table
            .outgoing_request(a.rep(0)?)?
            .scheme
            .as_ref()
            .map_or_else(Val::none, |s| Val::some(scheme_val(s))))
    })?;
    i.func("[method]outgoing-request.set-scheme", |_, http, a| {
        let s = a.option(1)?.map(scheme_of).transpose()?;
        if let Some(Scheme::Other(o)) = &s {
            if http::uri::Scheme::try_from(o.as_str()).is_err() {
                return Ok(Val::err(Val::unit()));
            }
        }
        http.table.outgoing_request(a.rep(0)?)?.scheme = s;
        Ok(Val::ok(Val::unit()))
    })?;
    i.func("[method]outgoing-request.authority", |_, http, a| {
        Ok(opt_string(&http.table.outgoing_request(a.rep(0)?)?.authority))
    })?;
    i.func("[method]outgoing-request.set-authority", |_, http, a| {
        let auth = a.option(1)?.map(str_of).transpose()?;
        if auth.is_some_and(|s| s.parse::<http::uri::Authority>().is_err()) {
            return Ok(Val::err(Val::unit()));
        }
        http.table.outgoing_request(a.rep(0)?)?.authority = auth.map(str::to_string);
        Ok(Val::ok(Val::unit()))
    })?;
    i.func("[method]outgoing-request.headers", |_, http, a| {
        let map = http.table.outgoing_request(a.rep(0)?)?.headers.clone();
        push_fields(http, Fields::frozen(map))
    })?;

    i.func("[constructor]request-options", |_, http, _| {
        Ok(own::<res::RequestOptions>(http.table.push(Entry::RequestOptions(RequestOptions::default()))?))
    })?;
    i.func("[method]request-options.connect-timeout", |_, http, a| {
        Ok(duration_val(http.table.request_options(a.rep(0)?)?.connect))
    })?;
    i.func("[method]request-options.set-connect-timeout", |_, http, a| {
        http.table.request_options(a.rep(0)?)?.connect = duration_of(a.option(1)?)?;
        Ok(Val::ok(Val::unit()))
    })?;
    i.func("[method]request-options.first-byte-timeout", |_, http, a| {
        Ok(duration_val(http.table.request_options(a.rep(0)?)?.first_byte))
    })?;
    i.func("[method]request-options.set-first-byte-timeout", |_, http, a| {
        http.table.request_options(a.rep(0)?)?.first_byte = duration_of(a.option(1)?)?;
        Ok(Val::ok(Val::unit()))
    })?;
    i.func("[method]request-options.between-bytes-timeout", |_, http, a| {
        Ok(duration_val(http.table.request_options(a.rep(0)?)?.between_bytes))
    })?;
    i.func("[method]request-options.set-between-bytes-timeout", |_, http, a| {
        http.table.request_options(a.rep(0)?)?.between_bytes = duration_of(a.option(1)?)?;
        Ok(Val::ok(Val::unit()))
    })
}

fn add_responses<T: HttpView>(i: &mut Iface<'_, T>) -> Result<()> {
    i.func("[method]response-outparam.send-informational", |_, http, a| {
        http.table.outparam(a.rep(0)?)?;
        // hyper's server cannot send a 1xx response before the final one.
        Ok(Val::err(ErrorCode::internal("informational (1xx) responses are not supported").to_val()))
    })?;
    i.func("[static]response-outparam.set", |_, http, a| {
        let sender = http.table.take_outparam(a.rep(0)?)?;
        let response = match a.val(1)? {
            Val::Result(Ok(Some(resp))) => {
                let mut r = http.table.take_outgoing_response(rep_of(resp)?)?;
                let mut builder = http::Response::builder().status(r.status);
                if let Some(h) = builder.headers_mut() {
                    *h = std::mem::take(&mut r.headers);
                }
                let body = match r.body.take() {
                    Some(outgoing) => OutgoingBody::Guest { outgoing, trailers_sent: false },
                    None => OutgoingBody::Empty,
                };
                Ok(builder.body(body).map_err(|e| trap(format!("response-outparam.set: {e}")))?)
            }
            Val::Result(Err(Some(code))) => Err(ErrorCode::from_val(code)),
            other => {
                return Err(trap(format!("response-outparam.set: expected a result, got {}", other.kind())))
            }
        };
        sender.send(response);
        Ok(Val::unit())
    })?;

    i.func("[constructor]outgoing-response", |_, http, a| {
        let headers = http.table.take_fields(a.rep(0)?)?.map;
        let r = OutgoingResponse { status: 200, headers, body: None };
        Ok(own::<res::OutgoingResponse>(http.table.push(Entry::OutgoingResponse(r))?))
    })?;
    i.func("[method]outgoing-response.status-code", |_, http, a| {
        Ok(Val::U16(http.table.outgoing_response(a.rep(0)?)?.status))
    })?;
    i.func("[method]outgoing-response.set-status-code", |_, http, a| {
        let status = a.u16(1)?;
        // A final response: 1xx statuses are informational, not answers.
        if !(200..=999).contains(&status) {
            return Ok(Val::err(Val::unit()));
        }
        http.table.outgoing_response(a.rep(0)?)?.status = status;
        Ok(Val::ok(Val::unit()))
    })?;
    i.func("[method]outgoing-response.headers", |_, http, a| {
        let map = http.table.outgoing_response(a.rep(0)?)?.headers.clone();
        push_fields(http, Fields::frozen(map))
    })?;
    i.func("[method]outgoing-response.body", |_, http, a| {
        let signal = http.signal.clone();
        let r = http.table.outgoing_response(a.rep(0)?)?;
        if r.body.is_some() {
            return Ok(Val::err(Val::unit()));
        }
        let outgoing = Outgoing::new(signal, content_length(&r.headers));
        r.body = Some(outgoing.clone());
        outgoing_body(http, outgoing)
    })?;

    i.func("[method]incoming-response.status", |_, http, a| {
        Ok(Val::U16(http.table.incoming_response(a.rep(0)?)?.status))
    })?;
    i.func("[method]incoming-response.headers", |_, http, a| {
        let map = http.table.incoming_response(a.rep(0)?)?.headers.clone();
        push_fields(http, Fields::frozen(map))
    })?;
    i.func("[method]incoming-response.consume", |_, http, a| {
        let body = http.table.incoming_response(a.rep(0)?)?.body.take();
        incoming_body(http, body)
    })?;

    i.func("[method]future-incoming-response.subscribe", |wasi, http, a| {
        let slot = http.table.future_response(a.rep(0)?)?.slot.clone();
        wasi.push_pollable(Box::new(SlotReady { slot, signal: http.signal.clone() }))
    })?;
    i.func("[method]future-incoming-response.get", |_, http, a| {
        let f = http.table.future_response(a.rep(0)?)?;
        let value = f.slot.value.lock().map_err(|_| trap("response slot poisoned"))?.take();
        let Some(value) = value else {
            return Ok(if f.taken { Val::some(Val::err(Val::unit())) } else { Val::none() });
        };
        f.taken = true;
        let inner = match value {
            Ok(resp) => {
                Val::ok(own::<res::IncomingResponse>(http.table.push(Entry::IncomingResponse(resp))?))
            }
            Err(code) => Val::err(code.to_val()),
        };
        Ok(Val::some(Val::ok(inner)))
    })
}

fn add_bodies<T: HttpView>(i: &mut Iface<'_, T>) -> Result<()> {
    i.func("[method]incoming-body.stream", |wasi, http, a| {
        let body = http.table.incoming_body(a.rep(0)?)?;
        if body.stream.is_some() {
            return Ok(Val::err(Val::unit()));
        }
        let alive = Arc::new(());
        body.stream = Some(alive.clone());
        let stream = IncomingStream { incoming: body.incoming.clone(), _alive: alive };
        Ok(Val::ok(wasi.push_input_stream(Box::new(stream))?))
    })?;
    i.func("[static]incoming-body.finish", |_, http, a| {
        let body = http.table.take_incoming_body(a.rep(0)?)?;
        if body.stream.as_ref().is_some_and(|s| Arc::strong_count(s) > 1) {
            return Err(trap("incoming-body.finish: the body's input-stream is still alive"));
        }
        let incoming = body.incoming.clone();
        drop(body); // discards unread bytes: only the trailers are wanted now
        let f = FutureTrailers { incoming, taken: false };
        Ok(own::<res::FutureTrailers>(http.table.push(Entry::FutureTrailers(f))?))
    })?;
    i.func("[method]future-trailers.subscribe", |wasi, http, a| {
        let incoming = http.table.future_trailers(a.rep(0)?)?.incoming.clone();
        wasi.push_pollable(Box::new(TrailersReady(incoming)))
    })?;
    i.func("[method]future-trailers.get", |_, http, a| {
        let rep = a.rep(0)?;
        let f = http.table.future_trailers(rep)?;
        if f.taken {
            return Ok(Val::some(Val::err(Val::unit())));
        }
        let Some(end) = f.incoming.end() else { return Ok(Val::none()) };
        let inner = match end {
            End::Done(None) => Val::ok(Val::none()),
            End::Done(Some(map)) => Val::ok(Val::some(push_fields(http, Fields::frozen(map))?)),
            End::Failed(code) => Val::err(code.to_val()),
        };
        http.table.future_trailers(rep)?.taken = true;
        Ok(Val::some(Val::ok(inner)))
    })?;

    i.func("[method]outgoing-body.write", |wasi, http, a| {
        let body = http.table.outgoing_body(a.rep(0)?)?;
        if body.stream.is_some() {
            return Ok(Val::err(Val::unit()));
        }
        let alive = Arc::new(());
        body.stream = Some(alive.clone());
        let stream = OutgoingStream { outgoing: body.outgoing.clone(), _alive: alive };
        Ok(Val::ok(wasi.push_output_stream(Box::new(stream))?))
    })?;
    i.func("[static]outgoing-body.finish", |_, http, a| {
        let mut body = http.table.take_outgoing_body(a.rep(0)?)?;
        if body.stream.as_ref().is_some_and(|s| Arc::strong_count(s) > 1) {
            return Err(trap("outgoing-body.finish: the body's output-stream is still alive"));
        }
        let trailers = match a.option(1)? {
            Some(t) => Some(http.table.take_fields(rep_of(t)?)?.map),
            None => None,
        };
        body.finished = true;
        Ok(match body.outgoing.finish(End::Done(trailers)) {
            Ok(()) => Val::ok(Val::unit()),
            Err(code) => Val::err(code.to_val()),
        })
    })
}
