//! `bootline.toml` as written: the tables and keys serde reads, each value with its span so
//! that validation ([`super::validate`]) can name the line of a bad one.

use serde::Deserialize;
use toml::Spanned;

use super::Expect;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default, deserialize_with = "form::policy")]
    pub(super) policy: Option<RawPolicy>,
    #[serde(default, deserialize_with = "form::platform")]
    pub(super) platform: Option<RawPlatform>,
    #[serde(default, deserialize_with = "form::latency")]
    pub(super) latency: Option<RawLatency>,
    #[serde(default, deserialize_with = "form::identity")]
    pub(super) identity: Option<RawIdentity>,
    #[serde(default, deserialize_with = "form::class")]
    pub(super) class: Vec<RawClass>,
    #[serde(default, deserialize_with = "form::template")]
    pub(super) template: Vec<RawTemplate>,
    #[serde(default, deserialize_with = "form::marker")]
    pub(super) marker: Vec<RawMarker>,
    #[serde(default, deserialize_with = "form::lockstep")]
    pub(super) lockstep: Vec<RawLockstep>,
    #[serde(default, deserialize_with = "form::guard")]
    pub(super) guard: Vec<RawGuard>,
}

/// A TOML integer or float; `SECS` when the key is a number of seconds (the type error says
/// which: "expected a number of seconds, found a string").
#[derive(Debug, Clone, Copy)]
pub(super) struct Num<const SECS: bool>(pub(super) f64);

impl<const SECS: bool> Num<SECS> {
    pub(super) fn get(self) -> f64 {
        self.0
    }
}

impl<'de, const SECS: bool> Deserialize<'de> for Num<SECS> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let what = if SECS {
            "a number of seconds"
        } else {
            "a number"
        };
        d.deserialize_any(form::NumberVisitor(what)).map(Num)
    }
}

/// A number of seconds, with where it stands.
pub(super) type SSecs = Spanned<Num<true>>;
/// A rate or factor, with where it stands.
pub(super) type SNum = Spanned<Num<false>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    pub(super) target_false_fail_rate: Option<SNum>,
    pub(super) confidence: Option<SNum>,
    pub(super) slack_multiplier: Option<SNum>,
    pub(super) slack_add_secs: Option<SSecs>,
    pub(super) grid_secs: Option<SSecs>,
    pub(super) grid_above_secs: Option<SSecs>,
    pub(super) grid_switch_secs: Option<SSecs>,
    pub(super) min_records: Option<SNum>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLatency {
    pub(super) end: Option<Spanned<String>>,
    pub(super) max_plausible_secs: Option<SSecs>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIdentity {
    pub(super) folder_regex: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlatform {
    pub(super) sweep_period_secs: Option<SSecs>,
    #[serde(default)]
    pub(super) crash_reasons: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClass {
    pub(super) name: Spanned<String>,
    pub(super) timeout_secs: Option<SSecs>,
    pub(super) stuck_threshold_secs: Option<SSecs>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    pub(super) name: Spanned<String>,
    pub(super) class: Option<Spanned<String>>,
    pub(super) provision_timeout_seconds: SSecs,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMarker {
    pub(super) name: Spanned<String>,
    pub(super) regex: Option<Spanned<String>>,
    pub(super) start: Option<Spanned<String>>,
    pub(super) end: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLockstep {
    pub(super) name: Spanned<String>,
    pub(super) timeout_secs: SSecs,
    #[serde(default = "yes")]
    pub(super) covers_boot_window: bool,
    pub(super) class: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGuard {
    pub(super) name: Spanned<String>,
    pub(super) age_secs: SSecs,
    pub(super) template: Option<Spanned<String>>,
    pub(super) class: Option<Spanned<String>>,
    pub(super) expect: Expect,
}

/// The forms a value of `bootline.toml` may take, with type errors that name the right form:
/// "expected a number of seconds, found a string", "`[policy]` is one table: write `[policy]`,
/// not `[[policy]]`".
pub(super) mod form {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
    use serde::de::{Error as _, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    /// An integer or a float; anything else is refused saying what it was.
    pub(super) struct NumberVisitor(pub(super) &'static str);

    fn found<E: serde::de::Error>(expected: &str, found: &str) -> E {
        E::custom(format!("expected {expected}, found {found}"))
    }

    impl<'de> Visitor<'de> for NumberVisitor {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<f64, E> {
            Err(found(self.0, "a string"))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<f64, E> {
            Err(found(self.0, "a boolean"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<f64, A::Error> {
            Err(found(self.0, "an array"))
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<f64, A::Error> {
            // TOML hands a date-time over as a one-key table.
            Err(found(self.0, "a table or a date"))
        }
    }

    /// `[key]`: one table.
    struct OneTable<T>(&'static str, PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneTable<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "one table `[{}]`", self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(A::Error::custom(format!(
                "`[{0}]` is one table: write `[{0}]`, not `[[{0}]]`",
                self.0
            )))
        }
    }

    /// `[[key]]`: an array of tables, one per item.
    struct Tables<T>(&'static str, PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Tables<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an array of tables `[[{}]]`", self.0)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Vec::<T>::deserialize(SeqAccessDeserializer::new(seq))
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(A::Error::custom(format!(
                "`[{0}]` is a list of tables: write `[[{0}]]` before each {0}, not `[{0}]`",
                self.0
            )))
        }
    }

    /// One `deserialize_with` function per top-level key, named after it.
    macro_rules! forms {
        ($($key:ident: $form:ident -> $out:ty;)*) => {$(
            pub(super) fn $key<'de, D: Deserializer<'de>>(d: D) -> Result<$out, D::Error> {
                d.deserialize_any($form(stringify!($key), PhantomData))
            }
        )*};
    }

    forms! {
        policy: OneTable -> Option<super::RawPolicy>;
        platform: OneTable -> Option<super::RawPlatform>;
        latency: OneTable -> Option<super::RawLatency>;
        identity: OneTable -> Option<super::RawIdentity>;
        class: Tables -> Vec<super::RawClass>;
        template: Tables -> Vec<super::RawTemplate>;
        marker: Tables -> Vec<super::RawMarker>;
        lockstep: Tables -> Vec<super::RawLockstep>;
        guard: Tables -> Vec<super::RawGuard>;
    }
}
