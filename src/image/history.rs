//! The history entry each image-changing command appends, shaped by the
//! `--history.*` and `--no-history` flags.

use super::error::Result;
use crate::spec::go_time::{source_date_epoch, GoTime};
use crate::spec::History;

/// User choices for the new history entry.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// `--no-history`: append nothing.
    pub no_history: bool,
    /// `--history.author`.
    pub author: Option<String>,
    /// `--history.comment`.
    pub comment: Option<String>,
    /// `--history.created`, already parsed.
    pub created: Option<GoTime>,
    /// `--history.created_by`.
    pub created_by: Option<String>,
}

impl HistoryOptions {
    /// The entry to append, or `None` with `--no-history`. Unset fields take
    /// the command's defaults; the time defaults to `SOURCE_DATE_EPOCH`, then
    /// to now.
    pub fn entry(
        &self,
        default_created_by: &str,
        default_author: &str,
        empty_layer: bool,
    ) -> Result<Option<History>> {
        if self.no_history {
            return Ok(None);
        }
        let created = match self.created {
            Some(t) => t,
            None => source_date_epoch()?.unwrap_or_else(GoTime::now),
        };
        Ok(Some(History {
            created: Some(created),
            created_by: self
                .created_by
                .clone()
                .unwrap_or_else(|| default_created_by.to_owned()),
            author: self
                .author
                .clone()
                .unwrap_or_else(|| default_author.to_owned()),
            comment: self.comment.clone().unwrap_or_default(),
            empty_layer,
        }))
    }
}
