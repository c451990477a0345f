//! API.md, "The token": every defective token is 401 `unauthorized` with `WWW-Authenticate: Bearer`.

use board::auth::Claims;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp, backends, board_path, expect_error, expect_status};

backends!(
    writes_need_a_valid_token,
    a_token_whose_user_is_gone_is_refused,
    a_token_of_the_original_service_is_accepted,
);

fn claims(sub: &str) -> Claims {
    let now = Utc::now().timestamp();
    Claims {
        sub: sub.into(),
        iat: now,
        nbf: now,
        exp: now + 900,
        jti: uuid::Uuid::new_v4().to_string(),
        token_type: "access".into(),
        fresh: json!(false),
        sid: None,
    }
}

fn sign(value: &impl serde::Serialize, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        value,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn assert_unauthorized(app: &TestApp, authorization: Option<String>) {
    let mut request = app
        .request(Method::POST, "/api/board")
        .json(&json!({"title": "t", "content": "c"}));
    if let Some(value) = &authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap()),
        Some("Bearer"),
        "{authorization:?}"
    );
    expect_error(response, 401, "unauthorized").await;
}

async fn writes_need_a_valid_token(app: TestApp) {
    let (user_id, token) = app.user().await;
    let now = Utc::now().timestamp();

    let expired = Claims {
        iat: now - 1000,
        nbf: now - 1000,
        exp: now - 100,
        ..claims(&user_id)
    };
    let not_yet = Claims {
        nbf: now + 600,
        ..claims(&user_id)
    };
    let refresh = Claims {
        token_type: "refresh".into(),
        ..claims(&user_id)
    };
    let mut missing_exp: Value = serde_json::to_value(claims(&user_id)).unwrap();
    missing_exp.as_object_mut().unwrap().remove("exp");
    let mut missing_type: Value = serde_json::to_value(claims(&user_id)).unwrap();
    missing_type.as_object_mut().unwrap().remove("type");
    let mut missing_sub: Value = serde_json::to_value(claims(&user_id)).unwrap();
    missing_sub.as_object_mut().unwrap().remove("sub");
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(serde_json::to_string(&claims(&user_id)).unwrap().as_bytes())
    );
    let hs512 = encode(
        &Header::new(Algorithm::HS512),
        &claims(&user_id),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    // Change the first character of the signature (the last one may only hold padding bits).
    let signature_at = token.rfind('.').unwrap() + 1;
    let mut tampered = token.clone();
    let swapped = if &token[signature_at..=signature_at] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(signature_at..=signature_at, swapped);

    let cases: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some("Bearer".into()),
        Some("Bearer ".into()),
        Some(format!("Basic {token}")),
        Some(token.clone()),
        Some("Bearer not-a-jwt".into()),
        Some("Bearer a.b.c".into()),
        Some(format!(
            "Bearer {}",
            sign(&claims(&user_id), "another-secret-another-secret-0123")
        )),
        Some(format!("Bearer {}", sign(&expired, SECRET))),
        Some(format!("Bearer {}", sign(&not_yet, SECRET))),
        Some(format!("Bearer {}", sign(&refresh, SECRET))),
        Some(format!("Bearer {}", sign(&missing_exp, SECRET))),
        Some(format!("Bearer {}", sign(&missing_type, SECRET))),
        Some(format!("Bearer {}", sign(&missing_sub, SECRET))),
        Some(format!("Bearer {unsigned}")),
        Some(format!("Bearer {hs512}")),
        Some(format!("Bearer {tampered}")),
    ];
    for case in cases {
        assert_unauthorized(&app, case).await;
    }
    assert_eq!(app.count("select count(*) from board").await, 0);

    // The scheme name is case-insensitive, and the real token works.
    let response = app
        .request(Method::POST, "/api/board")
        .header("authorization", format!("bearer {token}"))
        .json(&json!({"title": "t", "content": "c"}))
        .send()
        .await
        .unwrap();
    expect_status(response, 201).await;
}

async fn a_token_whose_user_is_gone_is_refused(app: TestApp) {
    let ghost = sign(&claims(&uuid::Uuid::new_v4().to_string()), SECRET);
    assert_unauthorized(&app, Some(format!("Bearer {ghost}"))).await;
    // 401 comes before 404 and 403 for updates and deletes too.
    let (_, token) = app.user().await;
    let created = expect_status(app.create_board(&token, "t", "c").await, 201).await;
    let someone_elses = board_path(created["board"]["id"].as_str().unwrap());
    let missing = board_path(uuid::Uuid::new_v4());
    for path in [&someone_elses, &missing] {
        for method in [Method::PUT, Method::DELETE] {
            let response = app
                .request(method.clone(), path)
                .bearer_auth(&ghost)
                .json(&json!({"title": "t2", "content": "c2"}))
                .send()
                .await
                .unwrap();
            expect_error(response, 401, "unauthorized").await;
        }
    }
    assert_eq!(app.count("select count(*) from board").await, 1);
    let body = expect_status(app.get(&someone_elses).await, 200).await;
    assert_eq!(body["board"]["title"], "t");
}

/// The exact token shape Flask-JWT-Extended 4.5 issued (claim order and `fresh` included).
async fn a_token_of_the_original_service_is_accepted(app: TestApp) {
    let (user_id, _) = app.user().await;
    let now = Utc::now().timestamp();
    let original = json!({
        "fresh": false, "iat": now, "jti": uuid::Uuid::new_v4().to_string(), "type": "access",
        "sub": user_id, "nbf": now, "exp": now + 900
    });
    let token = sign(&original, SECRET);
    let body = expect_status(
        app.create_board(&token, "old token", "still works").await,
        201,
    )
    .await;
    assert_eq!(body["board"]["userId"], json!(user_id));
}
