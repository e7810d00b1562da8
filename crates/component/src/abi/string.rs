//! Strings in the three canonical encodings (`load_string_from_range`,
//! `store_string_into_range`). The host side of a value is always a Rust `String`, so
//! lowering follows the spec's paths for a UTF-8 source, including the order and sizes of
//! `realloc` calls (guests can observe them).

use super::{Cx, Region, StringEncoding};
use crate::error::{trap, trap_if, Result};

/// `MAX_STRING_BYTE_LENGTH`.
const MAX_STRING_BYTE_LENGTH: u64 = (1 << 28) - 1;
/// The tag bit marking a `latin1+utf16` string as UTF-16.
const UTF16_TAG: u32 = 1 << 31;

impl<T> Cx<'_, T> {
    pub(crate) fn load_string_from_range(&mut self, ptr: u32, tagged_len: u32) -> Result<String> {
        let (align, byte_len, utf16) = match self.opts.encoding {
            StringEncoding::Utf8 => (1, u64::from(tagged_len), false),
            StringEncoding::Utf16 => (2, 2 * u64::from(tagged_len), true),
            StringEncoding::Latin1Utf16 if tagged_len & UTF16_TAG != 0 => {
                (2, 2 * u64::from(tagged_len ^ UTF16_TAG), true)
            }
            StringEncoding::Latin1Utf16 => (2, u64::from(tagged_len), false),
        };
        trap_if(byte_len > MAX_STRING_BYTE_LENGTH, "string content too long")?;
        self.check_range(ptr, align, byte_len, Region::String)?;
        let bytes = self.bytes(ptr, byte_len as u32)?;
        if utf16 {
            let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| trap("invalid utf-16 string"))
        } else if self.opts.encoding == StringEncoding::Utf8 {
            // Rust's own text (`incomplete utf-8 byte sequence from index 0`) is what the
            // reference tests expect of a host; both forms contain `invalid utf-8` or say why.
            std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| trap(e.to_string()))
        } else {
            Ok(bytes.iter().map(|&b| char::from(b)).collect())
        }
    }

    /// Copies `s` into guest memory, returning the pointer and the (tagged) length.
    pub(crate) fn store_string_into_range(&mut self, s: &str) -> Result<(u32, u32)> {
        trap_if(s.len() as u64 > MAX_STRING_BYTE_LENGTH, "string content too long")?;
        let units = s.len() as u32;
        match self.opts.encoding {
            StringEncoding::Utf8 => {
                let ptr = self.realloc(0, 0, 1, units, Region::String)?;
                self.store_bytes(ptr, s.as_bytes())?;
                Ok((ptr, units))
            }
            StringEncoding::Utf16 => {
                let worst = 2 * units;
                let mut ptr = self.realloc(0, 0, 2, worst, Region::String)?;
                let encoded: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
                self.store_bytes(ptr, &encoded)?;
                let len = encoded.len() as u32;
                if len < worst {
                    ptr = self.realloc(ptr, worst, 2, len, Region::String)?;
                }
                Ok((ptr, len / 2))
            }
            StringEncoding::Latin1Utf16 => self.store_string_to_latin1_or_utf16(s),
        }
    }

    fn store_string_to_latin1_or_utf16(&mut self, s: &str) -> Result<(u32, u32)> {
        let units = s.len() as u32;
        let mut ptr = self.realloc(0, 0, 2, units, Region::String)?;
        if s.chars().all(|c| (c as u32) < 0x100) {
            let latin1: Vec<u8> = s.chars().map(|c| c as u8).collect();
            self.store_bytes(ptr, &latin1)?;
            let len = latin1.len() as u32;
            if len < units {
                ptr = self.realloc(ptr, units, 2, len, Region::String)?;
            }
            return Ok((ptr, len));
        }
        // The spec writes the Latin-1 prefix first, then inflates it in place once it meets a
        // wider character; the memory ends up holding the whole string as UTF-16 either way.
        let worst = 2 * units;
        ptr = self.realloc(ptr, units, 2, worst, Region::String)?;
        let encoded: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        self.store_bytes(ptr, &encoded)?;
        let len = encoded.len() as u32;
        if len < worst {
            ptr = self.realloc(ptr, worst, 2, len, Region::String)?;
        }
        Ok((ptr, (len / 2) | UTF16_TAG))
    }
}
