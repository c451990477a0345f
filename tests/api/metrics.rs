//! docs/API.md, "Metrics": `GET /metrics` in the Prometheus text format, moving with requests,
//! labelled by route template. The recorder is the process's, shared by the tests running at
//! the same time: they look at what their own requests added, never at absolute values.

use crate::helpers::{TestApp, backends, board_path, expect_error};

backends!(metrics_count_requests_by_route_template);

mod disabled {
    use super::*;
    backends!(configure = |config| config.metrics_enabled = false;
        metrics_turned_off_answer_404_and_the_api_still_serves);
}

async fn metrics_turned_off_answer_404_and_the_api_still_serves(app: TestApp) {
    expect_error(app.get("/metrics").await, 404, "not_found").await;
    let (_, token) = app.user().await;
    let post = app.board(&token, "served without metrics").await;
    let response = app.get(&board_path(post["id"].as_str().unwrap())).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
}

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// The value of the sample whose name and labels are exactly `series`.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

async fn metrics_count_requests_by_route_template(app: TestApp) {
    let (_, token) = app.user().await;
    let post = app.board(&token, "counted").await;
    let id = post["id"].as_str().unwrap();
    let ok = r#"http_requests_total{method="GET",route="/api/board/{id}",status="200"}"#;
    let missing = r#"http_requests_total{method="GET",route="/api/board/{id}",status="404"}"#;
    let unmatched = r#"http_requests_total{method="GET",route="unmatched",status="404"}"#;
    let timed = r#"http_request_duration_seconds_count{method="GET",route="/api/board/{id}"}"#;
    let commented =
        r#"http_requests_total{method="POST",route="/api/board/{id}/comments",status="201"}"#;
    let edited = r#"http_requests_total{method="PUT",route="/api/board/{id}/comments/{commentId}",status="200"}"#;

    let before = scrape(&app).await;
    let comment_path = format!("{}/comments", board_path(id));
    let comment = app
        .authed(reqwest::Method::POST, &comment_path, Some(&token))
        .json(&serde_json::json!({"content": "counted too"}));
    let comment = crate::helpers::expect_status(crate::helpers::send(comment).await, 201).await;
    let comment_id = comment["comment"]["id"].as_str().unwrap();
    let edit = app
        .authed(
            reqwest::Method::PUT,
            &format!("{comment_path}/{comment_id}"),
            Some(&token),
        )
        .json(&serde_json::json!({"content": "edited"}));
    assert_eq!(crate::helpers::send(edit).await.status(), 200);
    for _ in 0..3 {
        assert_eq!(app.get(&board_path(id)).await.status(), 200);
    }
    expect_error(
        app.get(&board_path(uuid::Uuid::new_v4())).await,
        404,
        "not_found",
    )
    .await;
    expect_error(app.get("/no/such/route").await, 404, "not_found").await;
    let after = scrape(&app).await;

    assert!(sample(&after, ok) >= sample(&before, ok) + 3.0, "{after}");
    assert!(sample(&after, missing) >= sample(&before, missing) + 1.0);
    assert!(sample(&after, unmatched) >= sample(&before, unmatched) + 1.0);
    assert!(sample(&after, timed) >= sample(&before, timed) + 4.0);
    assert!(
        sample(&after, commented) >= sample(&before, commented) + 1.0,
        "{after}"
    );
    assert!(
        sample(&after, edited) >= sample(&before, edited) + 1.0,
        "{after}"
    );
    assert!(
        !after.contains(comment_id),
        "a comment id leaked into a label"
    );
    // Bounded labels: the template, never the path, an id or an email.
    assert!(!after.contains(id), "a post id leaked into a label");
    assert!(!after.contains("/no/such/route"));
    assert!(!after.contains('@'));
    for series in [
        "# TYPE http_requests_total counter",
        "# TYPE http_request_duration_seconds histogram",
        "db_connections{state=\"in_use\"}",
        "db_connections{state=\"idle\"}",
        "password_hash_jobs_waiting",
        "login_rate_limit_refusals_total",
    ] {
        assert!(after.contains(series), "{series} missing:\n{after}");
    }
    assert!(
        sample(&after, "db_connections{state=\"idle\"}")
            + sample(&after, "db_connections{state=\"in_use\"}")
            >= 1.0
    );
}
