//! Deserializing the raw structs from the events the position pass already read.
//!
//! Loading used to parse every file twice: serde_yaml for the structs, yaml-rust2 for the
//! positions ([`super::yaml::index`]). The position pass now keeps its node events, and this
//! deserializer builds the structs from them, following serde_yaml 0.9's rules for what a
//! scalar means (`~`/`null`/empty is null, `true`/`True`/`TRUE` a boolean, `0x1F` an
//! integer, and so on) for every type the raw structs use.
//!
//! It only has to agree with serde_yaml when deserializing succeeds: any error, and any
//! input it does not handle (tags, aliases, several documents, deep nesting, a type the raw
//! structs never ask for), makes the caller parse the file again with serde_yaml, so error
//! messages and positions are always serde_yaml's own. Only `super::yaml` uses this module.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// One node event of a document.
#[derive(Debug)]
#[cfg_attr(test, derive(PartialEq))]
pub(super) enum Ev {
    Scalar { value: String, plain: bool },
    SeqStart,
    SeqEnd,
    MapStart,
    MapEnd,
}

/// The events of one document, or why they cannot be used.
#[derive(Debug, Default)]
#[cfg_attr(test, derive(PartialEq))]
pub struct Events {
    pub(super) evs: Vec<Ev>,
    /// False when the document uses something this deserializer leaves to serde_yaml.
    pub(super) supported: bool,
}

/// Why the fast path gave up (never shown: serde_yaml reports the real error).
#[derive(Debug)]
pub(super) struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("left to serde_yaml")
    }
}

impl std::error::Error for Unsupported {}

impl de::Error for Unsupported {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Unsupported
    }
}

type Result<T> = std::result::Result<T, Unsupported>;

/// serde_yaml's limit on nesting.
const MAX_DEPTH: usize = 128;

/// Deserializes `T` from `events`; `Err` means "ask serde_yaml".
pub(super) fn deserialize<T: de::DeserializeOwned>(events: Events) -> Result<T> {
    if !events.supported || events.evs.is_empty() {
        return Err(Unsupported);
    }
    let mut de = EvDe {
        evs: events.evs,
        pos: 0,
        depth: 0,
    };
    let value = T::deserialize(&mut de)?;
    if de.pos != de.evs.len() {
        return Err(Unsupported);
    }
    Ok(value)
}

struct EvDe {
    evs: Vec<Ev>,
    pos: usize,
    depth: usize,
}

// serde_yaml's scalar rules (de.rs: parse_null, parse_bool, parse_unsigned_int, …).

fn is_null(v: &str) -> bool {
    matches!(v, "null" | "Null" | "NULL" | "~")
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn digits_but_not_number(scalar: &str) -> bool {
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}

fn parse_unsigned<T>(
    scalar: &str,
    from_str_radix: fn(&str, u32) -> std::result::Result<T, std::num::ParseIntError>,
) -> Option<T> {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from_str_radix(rest, radix) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative<T>(
    scalar: &str,
    from_str_radix: fn(&str, u32) -> std::result::Result<T, std::num::ParseIntError>,
) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix) {
            if let Ok(int) = from_str_radix(&format!("-{rest}"), radix) {
                return Some(int);
            }
        }
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(scalar, 10).ok()
}

fn parse_f64(scalar: &str) -> Option<f64> {
    let unpositive = match scalar.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return None,
        Some(u) => u,
        None => scalar,
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = scalar {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = scalar {
        return Some(f64::NAN.copysign(1.0));
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

impl EvDe {
    fn peek(&self) -> Result<&Ev> {
        self.evs.get(self.pos).ok_or(Unsupported)
    }

    /// Takes the scalar at the cursor (its text moves out: every event is read once).
    fn take_scalar(&mut self) -> Result<(String, bool)> {
        match self.evs.get_mut(self.pos) {
            Some(Ev::Scalar { value, plain }) => {
                let out = (std::mem::take(value), *plain);
                self.pos += 1;
                Ok(out)
            }
            _ => Err(Unsupported),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        Ok(())
    }

    fn visit_seq<'de, V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.pos += 1;
        self.enter()?;
        let value = visitor.visit_seq(Seq { de: self })?;
        self.depth -= 1;
        // The visitor must have read every element, as serde_yaml requires.
        match self.peek()? {
            Ev::SeqEnd => {
                self.pos += 1;
                Ok(value)
            }
            _ => Err(Unsupported),
        }
    }

    fn visit_map<'de, V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.pos += 1;
        self.enter()?;
        let value = visitor.visit_map(Map { de: self })?;
        self.depth -= 1;
        match self.peek()? {
            Ev::MapEnd => {
                self.pos += 1;
                Ok(value)
            }
            _ => Err(Unsupported),
        }
    }

    fn skip(&mut self) -> Result<()> {
        let mut open = 0usize;
        loop {
            open = match self.peek()? {
                Ev::Scalar { .. } => open,
                Ev::SeqStart | Ev::MapStart => open + 1,
                Ev::SeqEnd | Ev::MapEnd => open.checked_sub(1).ok_or(Unsupported)?,
            };
            self.pos += 1;
            if open == 0 {
                return Ok(());
            }
        }
    }
}

/// An empty plain scalar stands for an empty sequence or mapping in serde_yaml.
struct Empty;

impl<'de> SeqAccess<'de> for Empty {
    type Error = Unsupported;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, _: T) -> Result<Option<T::Value>> {
        Ok(None)
    }
}

impl<'de> MapAccess<'de> for Empty {
    type Error = Unsupported;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value> {
        Err(Unsupported)
    }
}

struct Seq<'a> {
    de: &'a mut EvDe,
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = Unsupported;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.de.peek()? {
            Ev::SeqEnd => Ok(None),
            _ => seed.deserialize(&mut *self.de).map(Some),
        }
    }
}

struct Map<'a> {
    de: &'a mut EvDe,
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = Unsupported;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.de.peek()? {
            Ev::MapEnd => Ok(None),
            // Only scalar keys: serde_yaml handles collections used as keys.
            Ev::Scalar { .. } => seed.deserialize(&mut *self.de).map(Some),
            _ => Err(Unsupported),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }
}

/// A unit variant named by a scalar (`on_delete: cascade`).
struct Unit<'a> {
    de: &'a mut EvDe,
}

impl<'de> de::EnumAccess<'de> for Unit<'_> {
    type Error = Unsupported;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(&mut *self.de)?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for Unit<'_> {
    type Error = Unsupported;
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value> {
        Err(Unsupported)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value> {
        Err(Unsupported)
    }
    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value> {
        Err(Unsupported)
    }
}

macro_rules! unsupported {
    ($($name:ident),*) => {
        $(fn $name<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
            Err(Unsupported)
        })*
    };
}

impl<'de> Deserializer<'de> for &mut EvDe {
    type Error = Unsupported;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek()? {
            Ev::SeqStart => self.visit_seq(visitor),
            Ev::MapStart => self.visit_map(visitor),
            Ev::SeqEnd | Ev::MapEnd => Err(Unsupported),
            Ev::Scalar { .. } => {
                let (v, plain) = self.take_scalar()?;
                if !plain {
                    return visitor.visit_string(v);
                }
                if v.is_empty() || is_null(&v) {
                    return visitor.visit_unit();
                }
                if let Some(b) = parse_bool(&v) {
                    return visitor.visit_bool(b);
                }
                if let Some(i) = parse_unsigned(&v, u64::from_str_radix) {
                    return visitor.visit_u64(i);
                }
                if let Some(i) = parse_negative(&v, i64::from_str_radix) {
                    return visitor.visit_i64(i);
                }
                // serde_yaml goes on with 128-bit integers: left to it.
                if parse_unsigned(&v, u128::from_str_radix).is_some()
                    || parse_negative(&v, i128::from_str_radix).is_some()
                {
                    return Err(Unsupported);
                }
                if !digits_but_not_number(&v) {
                    if let Some(f) = parse_f64(&v) {
                        return visitor.visit_f64(f);
                    }
                }
                visitor.visit_string(v)
            }
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, plain) = self.take_scalar()?;
        match parse_bool(&v) {
            Some(b) if plain => visitor.visit_bool(b),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, plain) = self.take_scalar()?;
        match parse_unsigned(&v, u64::from_str_radix) {
            Some(i) if plain => visitor.visit_u64(i),
            _ => Err(Unsupported),
        }
    }

    unsupported!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_f32,
        deserialize_f64,
        deserialize_bytes,
        deserialize_byte_buf
    );

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, _) = self.take_scalar()?;
        visitor.visit_string(v)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let is_some = match self.peek()? {
            Ev::Scalar { value, plain } => !*plain || !(value.is_empty() || is_null(value)),
            Ev::SeqStart | Ev::MapStart => true,
            Ev::SeqEnd | Ev::MapEnd => return Err(Unsupported),
        };
        if is_some {
            visitor.visit_some(self)
        } else {
            self.pos += 1;
            visitor.visit_none()
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, plain) = self.take_scalar()?;
        if plain && (v.is_empty() || is_null(&v)) {
            visitor.visit_unit()
        } else {
            Err(Unsupported)
        }
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek()? {
            Ev::SeqStart => self.visit_seq(visitor),
            Ev::Scalar { value, plain: true } if value.is_empty() => {
                self.pos += 1;
                visitor.visit_seq(Empty)
            }
            _ => Err(Unsupported),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek()? {
            Ev::MapStart => self.visit_map(visitor),
            Ev::Scalar { value, plain: true } if value.is_empty() => {
                self.pos += 1;
                visitor.visit_map(Empty)
            }
            _ => Err(Unsupported),
        }
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.peek()? {
            Ev::Scalar { .. } => visitor.visit_enum(Unit { de: self }),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip()?;
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use crate::load::raw::{RawConfig, RawFile};

    /// Both paths must give the same structs (compared through their Debug output).
    fn same<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) {
        let fast = super::super::yaml::scan(text)
            .ok()
            .and_then(|(_, ev)| super::deserialize::<T>(ev).ok());
        let slow: T = serde_yaml::from_str(text).expect("valid");
        assert_eq!(
            format!("{:?}", fast.expect("fast path")),
            format!("{slow:?}"),
            "{text}"
        );
    }

    #[test]
    fn agrees_with_serde_yaml() {
        same::<RawConfig>("schemac: 1\nschemas: [public, app]\ntarget: postgres\n");
        same::<RawConfig>("schemac: 0x1\nlock_timeout: '10s'\noutput:\n");
        same::<RawFile>(
            "tables:\n  goals:\n    comment: ~\n    columns:\n      id: { type: uuid, primary_key: true, default: gen_random_uuid() }\n      n: { type: int, default: 0, nullable: True }\n      f: { type: real, default: 1.50 }\n      g: { type: real, default: -3 }\n      s: { type: text, default: \"'x'\" }\n      b: { type: bool, default: false }\n      o: { type: text, default: 012 }\n      short: text\n      q: \"numeric(1,2)\"\n    rls: { enable: true }\n    policies:\n      p: { template: owner, column: 12 }\n      r: { using: true, command: select, roles: [anon] }\n    indexes:\n      - columns: [a, b]\n        where: x > 0\n    triggers:\n      t: { when: before, events: [update], function: f }\n",
        );
        same::<RawFile>("functions:\n  f:\n    returns: trigger\n    language: plpgsql\n    body: |\n      BEGIN\n        RETURN NEW;\n      END;\n");
        same::<RawFile>("tables:\nviews:\n  v:\n    query: >-\n      SELECT 1\n      FROM x\n    security_invoker: TRUE\n");
    }

    /// Every YAML file of the repository (projects, fixtures, broken inputs): whenever the
    /// fast path accepts a file, serde_yaml accepts it too and builds the same structs.
    #[test]
    fn agrees_with_serde_yaml_on_every_repository_file() {
        fn check<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> bool {
            let fast = super::super::yaml::scan(text)
                .ok()
                .and_then(|(_, ev)| super::deserialize::<T>(ev).ok());
            let slow = serde_yaml::from_str::<T>(text);
            match fast {
                Some(f) => {
                    let s = slow.expect("serde_yaml accepts what the fast path accepts");
                    assert_eq!(format!("{f:?}"), format!("{s:?}"));
                    true
                }
                None => false,
            }
        }
        let files = crate::load::repository_yaml();
        let mut fast = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            let ok = if f.ends_with("schemac.yaml") {
                check::<RawConfig>(&text)
            } else {
                check::<RawFile>(&text)
            };
            fast += usize::from(ok);
        }
        assert!(
            fast > 20,
            "{fast} of {} files took the fast path",
            files.len()
        );
    }

    #[test]
    fn leaves_tags_and_aliases_to_serde_yaml() {
        for text in ["a: !!str 1\n", "a: &x 1\nb: *x\n"] {
            let ev = super::super::yaml::scan(text)
                .map(|(_, e)| e)
                .expect("scan");
            assert!(super::deserialize::<RawFile>(ev).is_err());
        }
    }
}
