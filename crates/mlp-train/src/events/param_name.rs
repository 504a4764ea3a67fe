//! A parameter's name kept inline, so that a record holding it is `Copy` and owns its data.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// A parameter's name as the gradient events carry it: `W1`..`Wn`, `b1`..`bm` (see
/// [`mlp_core::ParameterNames`]), or any other text of at most [`ParamName::CAPACITY`] bytes.
///
/// Kept inline (24 bytes, no allocation), so a [`GradientRecord`](super::GradientRecord)
/// decoded from an event owns its name. Compares, hashes, orders and prints as the `&str` it
/// holds.
///
/// ```
/// use mlp_train::events::ParamName;
///
/// let name = ParamName::new("W5").unwrap();
/// assert_eq!(name, "W5");
/// assert!(name.starts_with('W'));
/// assert_eq!(name.to_string(), "W5");
/// assert!(ParamName::new(&"W".repeat(24)).is_none());
/// ```
#[derive(Clone, Copy, Default)]
pub struct ParamName {
    len: u8,
    bytes: [u8; ParamName::CAPACITY],
}

impl ParamName {
    /// The longest name in bytes: room for `W` and every `u64`.
    pub const CAPACITY: usize = 23;

    /// `name` kept inline; `None` when it is longer than [`ParamName::CAPACITY`] bytes.
    pub fn new(name: &str) -> Option<ParamName> {
        let len = name.len();
        if len > ParamName::CAPACITY {
            return None;
        }
        let mut bytes = [0; ParamName::CAPACITY];
        bytes[..len].copy_from_slice(name.as_bytes());
        Some(ParamName { len: len as u8, bytes })
    }

    /// The name.
    #[inline]
    pub fn as_str(&self) -> &str {
        // `new` copies a whole `&str`: the bytes are UTF-8.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl Deref for ParamName {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ParamName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for ParamName {
    fn eq(&self, other: &ParamName) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ParamName {}

impl PartialEq<str> for ParamName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ParamName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for ParamName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for ParamName {
    fn partial_cmp(&self, other: &ParamName) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ParamName {
    fn cmp(&self, other: &ParamName) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for ParamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ParamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_names_up_to_capacity_and_refuses_longer_ones() {
        let longest = format!("W{}", u64::MAX);
        assert!(longest.len() <= ParamName::CAPACITY);
        assert_eq!(ParamName::new(&longest).unwrap().as_str(), longest);
        let exact = "é".repeat(11) + "b";
        assert_eq!(ParamName::new(&exact).unwrap(), exact.as_str());
        assert!(ParamName::new(&"x".repeat(ParamName::CAPACITY + 1)).is_none());
        assert_eq!(ParamName::default().as_str(), "");
        assert_eq!(format!("{:?}", ParamName::new("a\"b").unwrap()), r#""a\"b""#);
        assert!(ParamName::new("W10").unwrap() < ParamName::new("W9").unwrap());
        assert_eq!(std::mem::size_of::<ParamName>(), 24);
    }
}
