//! Parsed values: a value of these types is valid by construction ("parse, don't validate").

mod board;
mod content;
mod email;
mod ids;
mod page;
mod password;
mod title;

pub use board::{Board, BoardPage, NewBoard, User};
pub use content::Content;
pub use email::Email;
pub use ids::{BoardId, UserId};
pub use page::{Cursor, PageRequest};
pub use password::Password;
pub use title::Title;
