//! `fields` (headers and trailers): a multimap of names to byte values, mutable until it is
//! attached to a request or response, with the spec's checks on every name and value.

use http::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::HeaderError;

/// Hop-by-hop fields that belong to a connection, not to a message: a guest may not set
/// them (the server and the client manage them), as in the other wasi:http hosts.
const FORBIDDEN: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "upgrade",
    "http2-settings",
];

/// One `fields` resource.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    pub map: HeaderMap,
    /// Fields got from a request or response (its `headers()`), or a trailer map: read only.
    pub immutable: bool,
}

/// A field name as the guest wrote it, checked.
///
/// # Errors
/// `invalid-syntax` for a name that is not an HTTP token, `forbidden` for a hop-by-hop name.
pub fn name(raw: &str) -> Result<HeaderName, HeaderError> {
    let name = HeaderName::from_bytes(raw.as_bytes()).map_err(|_| HeaderError::InvalidSyntax)?;
    if FORBIDDEN.contains(&name.as_str()) {
        return Err(HeaderError::Forbidden);
    }
    Ok(name)
}

/// A field value as the guest wrote it, checked (no control characters but tab, no line
/// breaks).
///
/// # Errors
/// `invalid-syntax`.
pub fn value(raw: &[u8]) -> Result<HeaderValue, HeaderError> {
    HeaderValue::from_bytes(raw).map_err(|_| HeaderError::InvalidSyntax)
}

impl Fields {
    /// Fields built from a guest's list of entries (`from-list`).
    ///
    /// # Errors
    /// The first entry whose name or value is refused.
    pub fn from_list(entries: &[(String, Vec<u8>)]) -> Result<Fields, HeaderError> {
        let mut map = HeaderMap::with_capacity(entries.len());
        for (n, v) in entries {
            map.append(name(n)?, value(v)?);
        }
        Ok(Fields { map, immutable: false })
    }

    /// Read-only fields holding `map` (a request's or response's headers, trailers).
    pub fn frozen(map: HeaderMap) -> Fields {
        Fields { map, immutable: true }
    }

    /// Every value of `name` in order (none for a name that is not a valid field name).
    pub fn get(&self, raw: &str) -> Vec<Vec<u8>> {
        match HeaderName::from_bytes(raw.as_bytes()) {
            Ok(n) => self.map.get_all(&n).iter().map(|v| v.as_bytes().to_vec()).collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn has(&self, raw: &str) -> bool {
        HeaderName::from_bytes(raw.as_bytes()).is_ok_and(|n| self.map.contains_key(&n))
    }

    fn mutable(&self) -> Result<(), HeaderError> {
        if self.immutable {
            Err(HeaderError::Immutable)
        } else {
            Ok(())
        }
    }

    /// Replaces every value of `name` with `values`.
    ///
    /// # Errors
    /// `immutable`, or a refused name or value (nothing changes then).
    pub fn set(&mut self, raw: &str, values: &[Vec<u8>]) -> Result<(), HeaderError> {
        self.mutable()?;
        let n = name(raw)?;
        let values = values.iter().map(|v| value(v)).collect::<Result<Vec<_>, _>>()?;
        self.map.remove(&n);
        for v in values {
            self.map.append(n.clone(), v);
        }
        Ok(())
    }

    /// Removes every value of `name`.
    ///
    /// # Errors
    /// `immutable`, or a refused name.
    pub fn delete(&mut self, raw: &str) -> Result<(), HeaderError> {
        self.mutable()?;
        self.map.remove(name(raw)?);
        Ok(())
    }

    /// Adds one value to `name`.
    ///
    /// # Errors
    /// `immutable`, or a refused name or value.
    pub fn append(&mut self, raw: &str, v: &[u8]) -> Result<(), HeaderError> {
        self.mutable()?;
        let n = name(raw)?;
        self.map.append(n, value(v)?);
        Ok(())
    }

    /// Every entry in order, names in lower case.
    pub fn entries(&self) -> Vec<(String, Vec<u8>)> {
        self.map.iter().map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_checked() {
        assert_eq!(name("x-ok").unwrap().as_str(), "x-ok");
        assert_eq!(name("X-Mixed").unwrap().as_str(), "x-mixed");
        assert_eq!(name("bad name").unwrap_err(), HeaderError::InvalidSyntax);
        assert_eq!(name("").unwrap_err(), HeaderError::InvalidSyntax);
        assert_eq!(name("Connection").unwrap_err(), HeaderError::Forbidden);
        assert_eq!(value(b"a\r\nb").unwrap_err(), HeaderError::InvalidSyntax);
        assert!(value(b"tab\tok").is_ok());
    }

    #[test]
    fn immutable_fields_refuse_changes_and_set_replaces() {
        let mut f = Fields::from_list(&[("a".into(), b"1".to_vec()), ("a".into(), b"2".to_vec())]).unwrap();
        assert_eq!(f.get("A"), vec![b"1".to_vec(), b"2".to_vec()]);
        f.set("a", &[b"3".to_vec()]).unwrap();
        assert_eq!(f.get("a"), vec![b"3".to_vec()]);
        assert_eq!(f.set("a", &[b"\n".to_vec()]).unwrap_err(), HeaderError::InvalidSyntax);
        assert_eq!(f.get("a"), vec![b"3".to_vec()], "a refused set changes nothing");
        let mut frozen = Fields::frozen(f.map.clone());
        assert_eq!(frozen.append("b", b"1").unwrap_err(), HeaderError::Immutable);
        assert_eq!(frozen.delete("a").unwrap_err(), HeaderError::Immutable);
        assert!(frozen.has("a"));
    }
}
