//! Refresh tokens expire (`JWT_REFRESH_TOKEN_EXPIRES`), and housekeeping removes what has
//! expired, so that the session tables stay small.

use std::time::{Duration, Instant};

use crate::helpers::{TestApp, backends, expect_error, expect_status};

backends!(configure = |config| {
        config.refresh_token_ttl = Duration::from_secs(1);
        config.housekeeping_interval = Duration::from_millis(200);
        config.login_rate_per_minute = 0;
    };
    refresh_tokens_expire_and_expired_sessions_are_removed,
);

async fn refresh_tokens_expire_and_expired_sessions_are_removed(app: TestApp) {
    let email = format!("exp-{}@example.com", uuid::Uuid::new_v4().simple());
    expect_status(app.signup(&email, "password123").await, 201).await;
    let login = app.login_ok(&email, "password123").await;
    assert_eq!(login["refreshExpiresIn"], 1);
    let fresh = app.login_ok(&email, "password123").await;
    // Within its lifetime a refresh token works (and a refresh starts a new lifetime)...
    let rotated = expect_status(
        app.refresh(fresh["refreshToken"].as_str().unwrap()).await,
        200,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // ...past it, it does not.
    expect_error(
        app.refresh(login["refreshToken"].as_str().unwrap()).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    expect_error(
        app.refresh(rotated["refreshToken"].as_str().unwrap()).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    // Housekeeping removes the expired sessions (and the used token with its session).
    let started = Instant::now();
    loop {
        let rows = app.count("select count(*) from user_session").await
            + app.count("select count(*) from used_refresh_token").await;
        if rows == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{rows} expired rows still there"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
