//! Serde for values that travel as their names: `"dirty"`, `"hw"`, `"page"`.
//!
//! Policies and dirty strategies belong to the allocator, which spells each
//! name once and offers [`Display`] and [`FromStr`]; a record field marked
//! `#[serde(with = "crate::by_name")]` is written and read through those, so
//! no second list of names exists here. [`crate::Written`] uses the same
//! functions for its own `Serialize` and `Deserialize`.

use core::fmt::{self, Display};
use core::marker::PhantomData;
use core::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Writes `value` as the JSON string its [`Display`] gives.
pub(crate) fn serialize<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Display,
    S: Serializer,
{
    serializer.collect_str(value)
}

/// Reads a JSON string and parses it with [`FromStr`]; the parse error
/// becomes the message.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: Display,
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(NameVisitor(PhantomData))
}

/// Parses the string it is given as a `T`.
struct NameVisitor<T>(PhantomData<T>);

impl<T> Visitor<'_> for NameVisitor<T>
where
    T: FromStr,
    T::Err: Display,
{
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a name as a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        text.parse()
            .map_err(|error| E::custom(format_args!("`{text}`: {error}")))
    }
}
