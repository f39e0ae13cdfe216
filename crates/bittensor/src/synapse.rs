//! Synapses: the typed requests and responses miners and validators exchange, in the
//! Python SDK's wire format (wire.md §1–§2).
//!
//! A synapse is a serde struct plus a few constants:
//!
//! ```
//! use bittensor::synapse::Synapse;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, Default, Serialize, Deserialize)]
//! struct Dummy {
//!     input: i64,
//!     output: Option<i64>,
//! }
//!
//! impl Synapse for Dummy {
//!     const NAME: &'static str = "Dummy";
//!     const HASH_FIELDS: &'static [&'static str] = &["input"];
//!     type Output = Option<i64>;
//!     fn deserialize(self) -> Option<i64> {
//!         self.output
//!     }
//! }
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha3::{Digest, Sha3_256};

/// One side of a request (dendrite or axon), as the Python `TerminalInfo`. Every field is
/// optional; numbers also parse from strings, as header values are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TerminalInfo {
    /// HTTP-like status code.
    #[serde(default, deserialize_with = "lenient::int")]
    pub status_code: Option<i64>,
    /// Status message.
    #[serde(default)]
    pub status_message: Option<String>,
    /// Seconds spent.
    #[serde(default, deserialize_with = "lenient::float")]
    pub process_time: Option<f64>,
    /// IP address.
    #[serde(default)]
    pub ip: Option<String>,
    /// Port.
    #[serde(default, deserialize_with = "lenient::int")]
    pub port: Option<i64>,
    /// SDK version as an integer (10.5.0 → 10005000).
    #[serde(default, deserialize_with = "lenient::int")]
    pub version: Option<i64>,
    /// Nanoseconds since the Unix epoch when the request was built.
    #[serde(default, deserialize_with = "lenient::int")]
    pub nonce: Option<i64>,
    /// Identifies the sender instance.
    #[serde(default)]
    pub uuid: Option<String>,
    /// SS58 hotkey.
    #[serde(default)]
    pub hotkey: Option<String>,
    /// `0x` hex sr25519 signature.
    #[serde(default)]
    pub signature: Option<String>,
}

/// Accepts numbers given as JSON numbers or as strings (header round trips).
mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        Ok(match Option::<Value>::deserialize(deserializer)? {
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Some(Value::String(s)) => {
                s.trim().parse::<f64>().ok().map(|f| f as i64).or_else(|| s.trim().parse().ok())
            }
            _ => None,
        })
    }

    pub fn float<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
        Ok(match Option::<Value>::deserialize(deserializer)? {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        })
    }
}

/// A request/response type. The struct's fields are the synapse's own fields; the base
/// fields travel around them in an [`Envelope`].
pub trait Synapse: Serialize + DeserializeOwned + Default + Clone + Send + Sync + 'static {
    /// The route and Python class name.
    const NAME: &'static str;
    /// Fields covered by the body hash, in order (`required_hash_fields`).
    const HASH_FIELDS: &'static [&'static str] = &[];
    /// Fields that have no default in Python: the Python dendrite sends a
    /// `bt_header_input_obj_<field>` header for each, and its axon requires them.
    const REQUIRED_FIELDS: &'static [&'static str] = &[];
    /// What `deserialize` gives the caller.
    type Output;
    /// The payload a client wants from a response.
    fn deserialize(self) -> Self::Output;
}

/// The built-in ping synapse every axon answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ping {}

impl Synapse for Ping {
    const NAME: &'static str = "Synapse";
    type Output = ();
    fn deserialize(self) {}
}

/// A synapse with the base fields of the Python `Synapse` around it (wire.md §2).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Envelope<S> {
    /// The class name.
    #[serde(default)]
    pub name: Option<String>,
    /// Seconds the caller waits.
    #[serde(default)]
    pub timeout: Option<f64>,
    /// Informational size (Python `getsizeof`).
    #[serde(default)]
    pub total_size: Option<i64>,
    /// Informational size.
    #[serde(default)]
    pub header_size: Option<i64>,
    /// The caller's side.
    #[serde(default)]
    pub dendrite: Option<TerminalInfo>,
    /// The server's side.
    #[serde(default)]
    pub axon: Option<TerminalInfo>,
    /// Always empty in bodies; the hash travels in a header.
    #[serde(default)]
    pub computed_body_hash: Option<String>,
    /// The synapse's own fields.
    #[serde(flatten)]
    pub synapse: S,
}

impl<S: Synapse> Envelope<S> {
    /// `synapse` with empty base fields.
    pub fn new(synapse: S, timeout: f64) -> Self {
        Envelope {
            name: Some(S::NAME.into()),
            timeout: Some(timeout),
            total_size: Some(0),
            header_size: Some(0),
            dendrite: Some(TerminalInfo::default()),
            axon: Some(TerminalInfo::default()),
            computed_body_hash: Some(String::new()),
            synapse,
        }
    }
}

/// The base fields of an [`Envelope`], read on their own (the synapse's keys are skipped).
#[derive(Deserialize)]
struct Base {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    timeout: Option<f64>,
    #[serde(default)]
    total_size: Option<i64>,
    #[serde(default)]
    header_size: Option<i64>,
    #[serde(default)]
    dendrite: Option<TerminalInfo>,
    #[serde(default)]
    axon: Option<TerminalInfo>,
    #[serde(default)]
    computed_body_hash: Option<String>,
}

impl<S: Synapse> Envelope<S> {
    /// Parses a JSON body, or an empty one as the default envelope. The synapse and the
    /// base fields are each read straight from the text, skipping the other's keys, which
    /// is several times cheaper than serde's buffered `flatten` that `Deserialize` uses.
    pub fn from_json(body: &[u8]) -> serde_json::Result<Self> {
        if body.is_empty() {
            return Ok(Envelope::default());
        }
        let synapse: S = serde_json::from_slice(body)?;
        let base: Base = serde_json::from_slice(body)?;
        Ok(Envelope {
            name: base.name,
            timeout: base.timeout,
            total_size: base.total_size,
            header_size: base.header_size,
            dendrite: base.dendrite,
            axon: base.axon,
            computed_body_hash: base.computed_body_hash,
            synapse,
        })
    }
}

/// Lowercase hex SHA3-256 of UTF-8 text.
pub fn sha3_hex(text: &str) -> String {
    bt_primitives::hex::encode_plain(&Sha3_256::digest(text.as_bytes()))
}

/// The body hash (wire.md §1.4): SHA3-256 of the concatenated SHA3-256 hex digests of
/// Python's `str()` of each hashed field, in order. A missing field hashes as `None`.
pub fn body_hash<S: Synapse>(synapse: &S) -> String {
    if S::HASH_FIELDS.is_empty() {
        return sha3_hex("");
    }
    let value = serde_json::to_value(synapse).unwrap_or(Value::Null);
    let digests: String = S::HASH_FIELDS
        .iter()
        .map(|field| sha3_hex(&python_str(value.get(*field).unwrap_or(&Value::Null))))
        .collect();
    sha3_hex(&digests)
}

/// Python's `str()` of a JSON value as pydantic would hold it.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr()` of a JSON value.
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => python_string_repr(s),
        Value::Array(items) => format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", python_string_repr(k), python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `repr()` of a float: the shortest round-trip digits, fixed notation for
/// decimal exponents in [-4, 16), scientific otherwise.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    let point = exponent + 1; // digits before the decimal point
    if !(-4 < point && point <= 16) {
        let rest = &digits[1..];
        let mantissa =
            if rest.is_empty() { digits[..1].to_string() } else { format!("{}.{rest}", &digits[..1]) };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs());
    }
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    };
    format!("{sign}{text}")
}

/// Python's `repr()` of a string: single quotes unless the text has a `'` and no `"`.
pub fn python_string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The message a dendrite signs (wire.md §1.5).
pub fn request_message(
    nonce: u64,
    dendrite_hotkey: &str,
    axon_hotkey: &str,
    uuid: &str,
    body_hash: &str,
) -> String {
    format!("{nonce}.{dendrite_hotkey}.{axon_hotkey}.{uuid}.{body_hash}")
}

/// The SDK version this implementation speaks (10.5.0), as the Python SDK encodes it.
pub const VERSION_AS_INT: i64 = 10_005_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer::Dummy;
    use serde_json::json;

    #[test]
    fn python_renderings_match_wire_md() {
        assert_eq!(python_str(&json!(7)), "7");
        assert_eq!(python_str(&json!(1e-5)), "1e-05");
        assert_eq!(python_str(&json!(0.1)), "0.1");
        assert_eq!(python_str(&json!(1e16)), "1e+16");
        assert_eq!(python_str(&json!(1e15)), "1000000000000000.0");
        assert_eq!(python_str(&json!(2.0)), "2.0");
        assert_eq!(python_str(&json!(0.0001)), "0.0001");
        assert_eq!(python_str(&json!(-1.5e-7)), "-1.5e-07");
        assert_eq!(python_str(&json!(123456.789)), "123456.789");
        assert_eq!(python_str(&json!(true)), "True");
        assert_eq!(python_str(&Value::Null), "None");
        assert_eq!(python_str(&json!([1, 2.5, "a"])), "[1, 2.5, 'a']");
        assert_eq!(python_str(&json!({"k": [1, 2]})), "{'k': [1, 2]}");
        assert_eq!(python_str(&json!(["it's"])), "[\"it's\"]");
        assert_eq!(python_str(&json!("plain")), "plain");
    }

    #[test]
    fn body_hashes_match_the_python_sdk() {
        // wire.md §1.4: no hashed fields → sha3_256("").
        assert_eq!(body_hash(&Ping {}), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
        let expected = sha3_hex(&sha3_hex("21"));
        assert_eq!(body_hash(&Dummy { input: 21, output: None }), expected);
    }

    #[test]
    fn from_json_reads_what_the_derived_deserialize_reads() {
        let mut envelope = Envelope::new(Dummy { input: -7, output: Some(3) }, 12.5);
        envelope.dendrite = Some(TerminalInfo {
            ip: Some("127.0.0.1".into()),
            nonce: Some(1_700_000_000_000_000_000),
            uuid: Some("u".into()),
            hotkey: Some("5F".into()),
            signature: Some("0x00".into()),
            ..TerminalInfo::default()
        });
        envelope.axon =
            Some(TerminalInfo { port: Some(8091), status_code: Some(200), ..TerminalInfo::default() });
        let text = serde_json::to_vec(&envelope).unwrap();
        let derived: Envelope<Dummy> = serde_json::from_slice(&text).unwrap();
        let direct = Envelope::<Dummy>::from_json(&text).unwrap();
        assert_eq!(serde_json::to_value(&direct).unwrap(), serde_json::to_value(&derived).unwrap());
        assert_eq!(direct.synapse, Dummy { input: -7, output: Some(3) });
        assert_eq!(direct.dendrite.and_then(|d| d.nonce), Some(1_700_000_000_000_000_000));
    }

    #[test]
    fn envelopes_carry_base_fields_and_accept_bare_bodies() {
        let envelope = Envelope::new(Dummy { input: 3, output: None }, 12.0);
        let text = serde_json::to_string(&envelope).unwrap();
        assert!(text.contains("\"name\":\"Dummy\"") && text.contains("\"input\":3"));
        let bare: Envelope<Dummy> = serde_json::from_str("{\"input\": 5}").unwrap();
        assert_eq!(bare.synapse.input, 5);
        assert_eq!(Envelope::<Dummy>::from_json(b"{\"input\": 5}").unwrap().synapse.input, 5);
        assert_eq!(Envelope::<Dummy>::from_json(b"").unwrap().synapse, Dummy::default());
        assert!(Envelope::<Dummy>::from_json(b"{\"input\": \"five\"}").is_err());
        let info: TerminalInfo =
            serde_json::from_value(json!({"status_code": "200", "process_time": "3.8e-05", "port": 8091}))
                .unwrap();
        assert_eq!((info.status_code, info.port), (Some(200), Some(8091)));
        assert_eq!(info.process_time, Some(3.8e-5));
    }
}
