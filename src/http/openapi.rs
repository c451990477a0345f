use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "board",
        description = "Bulletin-board REST API: sign up, log in (JWT), and write, list, read, \
            edit and soft-delete posts and their comments (one level of replies). Every response is a JSON envelope with `message` and \
            `statusCode`; errors add a stable `code`. Use **Authorize** with the `accessToken` \
            from login to call the writes."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "user", description = "Sign up and log in"),
        (name = "board", description = "Posts"),
        (name = "comment", description = "Comments on posts, one level of replies"),
        (name = "admin", description = "Roles and the audit log (moderators and admins)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// Registers the `bearer` scheme that the write operations name in `security`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
