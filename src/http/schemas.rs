//! OpenAPI schemas of validated request fields, built from the domain's own limits so that the
//! document, the error messages and `parse()` cannot disagree. `schema_tests` feeds each
//! pattern's edge cases to the pattern and to `parse()` alike.

use utoipa::openapi::{
    Object, ObjectBuilder, Required, Type,
    path::{Parameter, ParameterBuilder, ParameterIn},
    schema::{KnownFormat, SchemaFormat},
};

use crate::domain::{
    DEFAULT_COMMENTS_PER_PAGE, DEFAULT_PER_PAGE, MAX_COMMENT_CHARS, MAX_CONTENT_BYTES,
    MAX_CURSOR_MICROS_DIGITS, MAX_EMAIL_CHARS, MAX_IDEMPOTENCY_KEY_CHARS, MAX_PASSWORD_CHARS,
    MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_QUERY_TERMS, MAX_REASON_CHARS, MAX_TITLE_CHARS,
    MIN_PASSWORD_CHARS, MIN_TERM_CHARS,
};

/// What `str::trim` removes (Unicode `White_Space`), as the body of a regex class.
const TRIMMED: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// Control characters (`char::is_control`), as the body of a regex class.
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";

/// `65535` → `65,535`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn text(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

/// `Email::parse`: trimmed and lower-cased; at most `MAX_EMAIL_CHARS`, one `@` with something on
/// each side, a dot inside the domain, no whitespace or control characters.
pub fn email_pattern() -> String {
    let ws = TRIMMED;
    let local = format!("[^@{ws}{CONTROL}]+");
    let domain_start = format!("[^@.{ws}{CONTROL}]+");
    let domain_rest = format!("[^@{ws}{CONTROL}]*");
    let domain_end = format!("[^@.{ws}{CONTROL}]");
    format!(
        "^[{ws}]*(?=[^{ws}]{{1,{MAX_EMAIL_CHARS}}}[{ws}]*$){local}@{domain_start}\\.{domain_rest}{domain_end}[{ws}]*$"
    )
}

/// 1 to `max` characters after trimming, no NUL (`Title::parse`, `CommentText::parse`).
fn trimmed_text_pattern(max: usize) -> String {
    let ws = TRIMMED;
    let inner = max - 2;
    format!("^[{ws}]*[^\\x00{ws}](?:[^\\x00]{{0,{inner}}}[^\\x00{ws}])?[{ws}]*$")
}

/// `Title::parse`.
pub fn title_pattern() -> String {
    trimmed_text_pattern(MAX_TITLE_CHARS)
}

/// `Reason::parse`.
pub fn reason_pattern() -> String {
    trimmed_text_pattern(MAX_REASON_CHARS)
}

/// `CommentText::parse`.
pub fn comment_pattern() -> String {
    trimmed_text_pattern(MAX_COMMENT_CHARS)
}

/// `ThreadKey::decode`: empty, or one or two levels of 16 digits and a lower-case UUID.
pub fn thread_cursor_pattern() -> String {
    let hex = |n: usize| format!("[0-9a-f]{{{n}}}");
    let part = format!(
        "[0-9]{{16}}{}-{}-{}-{}-{}",
        hex(8),
        hex(4),
        hex(4),
        hex(4),
        hex(12)
    );
    format!("^({part}({part})?)?$")
}

/// `Cursor::decode`: empty, or `<unix micros>_<uuid>`.
pub fn cursor_pattern() -> String {
    let hex = |n: usize| format!("[0-9a-fA-F]{{{n}}}");
    format!(
        "^([0-9]{{1,{MAX_CURSOR_MICROS_DIGITS}}}_{}-{}-{}-{}-{})?$",
        hex(8),
        hex(4),
        hex(4),
        hex(4),
        hex(12)
    )
}

/// `conditional::entity_tags`: `*`, or a comma-separated list of `"tag"` / `W/"tag"`.
pub fn entity_tags_pattern() -> String {
    let tag = r#"(W/)?"[!#-~]*""#;
    format!(r"^ *(\*|{tag}( *, *{tag})*) *$")
}

/// `IdempotencyKey::parse`: printable ASCII, without the spaces at either end that HTTP
/// strips from a header value.
pub fn idempotency_key_pattern() -> String {
    let inner = MAX_IDEMPOTENCY_KEY_CHARS - 2;
    format!("^[!-~]([ -~]{{0,{inner}}}[!-~])?$")
}

/// An optional request header with `pattern`.
pub fn header(name: &str, description: &str, pattern: String) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern))
                .build(),
        ))
        .build()
}

pub fn email() -> Object {
    text(&format!(
        "Trimmed and lower-cased; at most {MAX_EMAIL_CHARS} characters, one `@`, a dot in the \
         domain, no whitespace or control characters inside."
    ))
    .pattern(Some(email_pattern()))
    .build()
}

pub fn password() -> Object {
    text(&format!(
        "{MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."
    ))
    .min_length(Some(MIN_PASSWORD_CHARS))
    .max_length(Some(MAX_PASSWORD_CHARS))
    .build()
}

pub fn title() -> Object {
    text(&format!(
        "1 to {MAX_TITLE_CHARS} characters after trimming, not only whitespace, no NUL."
    ))
    .min_length(Some(1))
    .pattern(Some(title_pattern()))
    .build()
}

pub fn reason() -> Object {
    text(&format!(
        "1 to {MAX_REASON_CHARS} characters after trimming, not only whitespace, no NUL."
    ))
    .min_length(Some(1))
    .pattern(Some(reason_pattern()))
    .build()
}

pub fn comment() -> Object {
    text(&format!(
        "1 to {} characters after trimming, not only whitespace, no NUL; stored trimmed.",
        thousands(MAX_COMMENT_CHARS)
    ))
    .min_length(Some(1))
    .pattern(Some(comment_pattern()))
    .build()
}

pub fn content() -> Object {
    text(&format!(
        "1 to {} bytes of UTF-8 (as many characters when ASCII), no NUL.",
        thousands(MAX_CONTENT_BYTES)
    ))
    .min_length(Some(1))
    .max_length(Some(MAX_CONTENT_BYTES))
    .pattern(Some("^[^\\x00]*$"))
    .build()
}

fn integer(minimum: u32, maximum: Option<u32>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(minimum))
        .maximum(maximum)
        .build()
}

fn query(name: &str, description: String, schema: Object) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// `PageRequest::parse`: `page`, `per_page` and `cursor` of the list.
pub fn list_params() -> Vec<Parameter> {
    vec![
        query(
            "page",
            "Page number, from 1 (default 1).".into(),
            integer(1, None),
        ),
        query(
            "per_page",
            format!("Posts per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_PER_PAGE})."),
            integer(1, Some(MAX_PER_PAGE)),
        ),
        query(
            "cursor",
            "Keyset paging for deep pages: empty for the first page, then the previous \
             `nextCursor`."
                .into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(cursor_pattern()))
                .build(),
        ),
        query(
            "userId",
            "Only this author's posts (a user id: a UUID); `totalBoard` and `totalPage` count them."
                .into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                .build(),
        ),
        query(
            "q",
            format!(
                "Search: only posts in which every term occurs, as a substring, in the title or \
                 the content (lower-cased, so `arch` finds \"Search\" and `판에` finds \
                 \"게시판에서\"). 1 to {MAX_QUERY_CHARS} characters after trimming, split on \
                 whitespace into at most {MAX_QUERY_TERMS} terms of at least {MIN_TERM_CHARS} \
                 characters each (else `invalid_query`); `%`, `_`, `*`, quotes are plain \
                 characters. `totalBoard` counts the matches exactly."
            ),
            ObjectBuilder::new().schema_type(Type::String).build(),
        ),
        query(
            "field",
            "Where `q` looks: `all` (title or content, the default), `title` or `content`.".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["all", "title", "content"]))
                .default(Some("all".into()))
                .build(),
        ),
    ]
}

/// `PageRequest::parse_with` for a post's thread list.
pub fn comment_list_params() -> Vec<Parameter> {
    vec![
        query(
            "page",
            "Page number, from 1 (default 1).".into(),
            integer(1, None),
        ),
        query(
            "per_page",
            format!(
                "Comments per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_COMMENTS_PER_PAGE})."
            ),
            integer(1, Some(MAX_PER_PAGE)),
        ),
        query(
            "cursor",
            "Keyset paging (never overlaps or skips, also while comments are added): empty for \
             the first page, then the previous `nextCursor`."
                .into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(thread_cursor_pattern()))
                .build(),
        ),
    ]
}

/// Each documented pattern against `parse()`, on the edges of what it describes.
#[cfg(test)]
mod schema_tests {
    use fancy_regex::Regex;

    use super::*;
    use crate::domain::{CommentText, Cursor, Email, IdempotencyKey, ThreadKey, Title};

    fn agree(pattern: &str, parse: impl Fn(&str) -> bool, cases: &[String]) {
        let regex = Regex::new(pattern).expect("the documented pattern compiles");
        for case in cases {
            assert_eq!(
                regex.is_match(case).unwrap(),
                parse(case),
                "pattern and parse() disagree on {case:?}"
            );
        }
    }

    #[test]
    fn the_email_pattern_is_email_parse() {
        let at_limit = format!("{}@b.co", "a".repeat(MAX_EMAIL_CHARS - 5));
        let cases: Vec<String> = [
            "a@b.c",
            " A@B.CO ",
            "\u{3000}a@b.co\u{2028}",
            "",
            "a",
            "@b.c",
            "a@",
            "a@b",
            "a@.b",
            "a@b.",
            "a@@b.c",
            "a b@c.d",
            "a\u{7f}@b.c",
            "a\u{85}@b.c",
            "한글@예시.한국",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            at_limit.clone(),
            format!("a{at_limit}"),
            format!("  {at_limit}  "),
        ])
        .collect();
        agree(&email_pattern(), |s| Email::parse(s).is_ok(), &cases);
    }

    #[test]
    fn the_title_pattern_is_title_parse() {
        let cases: Vec<String> = [
            "t",
            " t ",
            "",
            " ",
            "\t\n",
            "a\u{0}b",
            "\u{a0}x\u{a0}",
            "안녕하세요.",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            "가".repeat(MAX_TITLE_CHARS),
            "가".repeat(MAX_TITLE_CHARS + 1),
            format!("  {}  ", "a".repeat(MAX_TITLE_CHARS)),
            format!("a{}a", " ".repeat(MAX_TITLE_CHARS - 2)),
            format!("a{}a", " ".repeat(MAX_TITLE_CHARS - 1)),
        ])
        .collect();
        agree(&title_pattern(), |s| Title::parse(s).is_ok(), &cases);
    }

    #[test]
    fn the_idempotency_key_pattern_is_idempotency_key_parse() {
        let cases: Vec<String> = ["a", "order 42", "~!", " a", "a ", "", "tab\tkey", "é"]
            .iter()
            .map(|s| s.to_string())
            .chain(["k".repeat(255), "k".repeat(256)])
            .collect();
        // HTTP strips spaces at either end of a value before the parser sees it.
        agree(
            &idempotency_key_pattern(),
            |s| s.trim() == s && IdempotencyKey::parse(s.as_bytes()).is_ok(),
            &cases,
        );
    }

    #[test]
    fn the_comment_and_thread_cursor_patterns_are_their_parsers() {
        let cases: Vec<String> = ["c", " c ", "", " \t", "a\u{0}b"]
            .iter()
            .map(|s| s.to_string())
            .chain([
                "가".repeat(MAX_COMMENT_CHARS),
                "가".repeat(MAX_COMMENT_CHARS + 1),
            ])
            .collect();
        agree(
            &comment_pattern(),
            |s| CommentText::parse(s).is_ok(),
            &cases,
        );
        let part = &format!("{}30d112cc-839d-49b1-b36f-86823eb65dca", "1".repeat(16));
        let cases = [
            String::new(),
            part.to_string(),
            format!("{part}{part}"),
            format!("{part}{part}{part}"),
            part.to_uppercase(),
            part[1..].to_string(),
        ];
        agree(
            &thread_cursor_pattern(),
            |s| s.is_empty() || ThreadKey::decode(s).is_some(),
            &cases,
        );
    }

    #[test]
    fn the_cursor_pattern_is_cursor_decode() {
        let id = "30d112cc-839d-49b1-b36f-86823eb65dca";
        let digits = "9".repeat(MAX_CURSOR_MICROS_DIGITS);
        let cases = [
            format!("0_{id}"),
            format!("{digits}_{id}"),
            format!("9{digits}_{id}"),
            format!("_{id}"),
            format!("-1_{id}"),
            format!("1_{}", id.to_uppercase()),
            "1_x".to_string(),
        ];
        agree(&cursor_pattern(), |s| Cursor::decode(s).is_some(), &cases);
    }
}
