//! Conditional requests and retries (RFC 9110 §13): `ETag`, `If-Match`, `If-None-Match`, and
//! `Idempotency-Key`. The headers are parsed here; what they mean for a post is decided by
//! the service (`Precondition`) and the version (`Board::version`).

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderName, HeaderValue, header, request::Parts},
};

use utoipa::{
    IntoParams,
    openapi::path::{Parameter, ParameterIn},
};

use super::{ApiError, schemas};
use crate::domain::{IdempotencyKey, Precondition};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The strong entity-tag of a version.
pub fn etag(version: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("a version is hex")
}

/// A parsed `If-Match` / `If-None-Match` value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EntityTags {
    Any,
    /// `(weak, opaque tag without quotes)`.
    List(Vec<(bool, String)>),
}

/// `*`, or a comma-separated list of entity-tags (`"…"` or `W/"…"`), over all lines of the
/// header; `None` when the header is absent.
fn entity_tags(headers: &HeaderMap, name: &HeaderName) -> Result<Option<EntityTags>, ApiError> {
    let malformed =
        || ApiError::InvalidRequest(format!("{name} is not a list of entity-tags or *"));
    let mut values = headers.get_all(name).iter().peekable();
    if values.peek().is_none() {
        return Ok(None);
    }
    let mut tags = Vec::new();
    let mut any = false;
    for value in values {
        let text = value.to_str().map_err(|_| malformed())?;
        // Elements separated by commas, with spaces around them; a tag is quoted and may
        // itself hold commas (etagc is %x21 / %x23-7E), so it is read to its closing quote.
        let mut rest = text;
        loop {
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                break;
            }
            if let Some(after) = rest.strip_prefix('*') {
                any = true;
                rest = after;
            } else {
                let (weak, quoted) = match rest.strip_prefix("W/") {
                    Some(after) => (true, after),
                    None => (false, rest),
                };
                let inner = quoted.strip_prefix('"').ok_or_else(malformed)?;
                let end = inner.find('"').ok_or_else(malformed)?;
                let tag = &inner[..end];
                if !tag.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b)) {
                    return Err(malformed());
                }
                tags.push((weak, tag.to_string()));
                rest = &inner[end + 1..];
            }
            // After an element: only spaces, then a comma or the end.
            let after = rest.trim_start_matches([' ', '\t']);
            if !(after.is_empty() || after.starts_with(',')) {
                return Err(malformed());
            }
            rest = after;
        }
    }
    match (any, tags.is_empty()) {
        (true, true) => Ok(Some(EntityTags::Any)),
        // `*` is a value on its own, never part of a list.
        (true, false) => Err(malformed()),
        (false, true) => Err(malformed()),
        (false, false) => Ok(Some(EntityTags::List(tags))),
    }
}

/// `If-Match` as the write's precondition. Strong comparison: a weak tag never matches.
#[derive(Debug, Clone)]
pub struct IfMatch(pub Option<Precondition>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(entity_tags(&parts.headers, &header::IF_MATCH)?.map(
            |tags| {
                match tags {
                    EntityTags::Any => Precondition::Exists,
                    EntityTags::List(tags) => Precondition::OneOf(
                        tags.into_iter()
                            .filter(|(weak, _)| !weak)
                            .map(|(_, tag)| tag)
                            .collect(),
                    ),
                }
            },
        )))
    }
}

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![schemas::header(
            "If-Match",
            "Write only if the post's `ETag` is among these entity-tags (`*`: any live post); \
             else 412 and nothing changes",
            schemas::entity_tags_pattern(),
        )]
    }
}

/// `If-None-Match` of a read.
#[derive(Debug, Clone)]
pub struct IfNoneMatch(Option<EntityTags>);

impl IfNoneMatch {
    /// The client has this version already (weak comparison, RFC 9110 §13.1.2).
    pub fn has(&self, version: &str) -> bool {
        match &self.0 {
            None => false,
            Some(EntityTags::Any) => true,
            Some(EntityTags::List(tags)) => tags.iter().any(|(_, tag)| tag == version),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(entity_tags(&parts.headers, &header::IF_NONE_MATCH)?))
    }
}

impl IntoParams for IfNoneMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![schemas::header(
            "If-None-Match",
            "Entity-tags the client has (or `*`): when the post's `ETag` is among them, 304 \
             without a body",
            schemas::entity_tags_pattern(),
        )]
    }
}

/// `Idempotency-Key`, when sent: 1 to 255 printable ASCII characters, else 400.
#[derive(Debug, Clone)]
pub struct IdempotencyKeyHeader(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all(&IDEMPOTENCY_KEY).iter();
        let Some(value) = values.next() else {
            return Ok(Self(None));
        };
        if values.next().is_some() {
            return Err(ApiError::InvalidRequest("send one Idempotency-Key".into()));
        }
        Ok(Self(Some(IdempotencyKey::parse(value.as_bytes())?)))
    }
}

impl IntoParams for IdempotencyKeyHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![schemas::header(
            "Idempotency-Key",
            "1 to 255 printable ASCII characters: a retry by the same user with the same key \
             and body within 24 h gets the first answer again (with `Idempotent-Replayed: \
             true`) and creates nothing",
            schemas::idempotency_key_pattern(),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<Option<EntityTags>, ApiError> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        }
        entity_tags(&headers, &header::IF_MATCH)
    }

    /// Whatever the documented pattern allows, the parser takes.
    #[test]
    fn the_documented_entity_tag_pattern_is_parsed() {
        let pattern = fancy_regex::Regex::new(&schemas::entity_tags_pattern()).unwrap();
        for case in [
            "*",
            " * ",
            "\"a\"",
            "W/\"a\"",
            "\"a\" , W/\"b\",\"\"",
            "\"!#~\"",
            "\"a,b\"",
        ] {
            assert!(pattern.is_match(case).unwrap(), "{case}");
            assert!(parse(&[case]).unwrap().is_some(), "{case}");
        }
        for case in ["null", "", "a", "*, \"a\"", "\"a\"\"", "\"a b\""] {
            assert!(!pattern.is_match(case).unwrap(), "{case}");
            assert!(parse(&[case]).is_err(), "{case}");
        }
    }

    #[test]
    fn entity_tag_lists_are_parsed_as_rfc_9110_writes_them() {
        assert_eq!(parse(&[]).unwrap(), None);
        assert_eq!(parse(&["*"]).unwrap(), Some(EntityTags::Any));
        assert_eq!(
            parse(&["\"a\", W/\"b\"", "\"c\""]).unwrap(),
            Some(EntityTags::List(vec![
                (false, "a".into()),
                (true, "b".into()),
                (false, "c".into())
            ]))
        );
        assert_eq!(
            parse(&["\"\""]).unwrap(),
            Some(EntityTags::List(vec![(false, String::new())]))
        );
        // A comma inside a tag is part of it.
        assert_eq!(
            parse(&["\"a,b\" , W/\"c\""]).unwrap(),
            Some(EntityTags::List(vec![
                (false, "a,b".into()),
                (true, "c".into())
            ]))
        );
        for bad in [
            "a", "\"a", "a\"", "\"a\"b\"", "*, \"a\"", "", ",", "W/a", "\"a b\"",
        ] {
            assert!(parse(&[bad]).is_err(), "{bad:?}");
        }
    }
}
