//! Images inside a layout: `--image PATH[:TAG]` references, resolving a tag
//! to its manifest and config, creating empty images, editing configs and
//! writing the result back, and `stat` information.

pub mod add_layer;
pub mod config_edit;
pub mod error;
pub mod go_fmt;
pub mod history;
pub mod index_edit;
pub mod mutate;
pub mod new;
pub mod platform;
pub mod reference;
pub mod select;
pub mod source;
pub mod stat;
pub mod stat_format;

pub use config_edit::ConfigEdits;
pub use error::{ImageError, Result};
pub use history::HistoryOptions;
pub use reference::ImageRef;
pub use source::ImageSource;
pub use stat::ManifestStat;
