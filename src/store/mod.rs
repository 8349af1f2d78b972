//! A shared content store: each regular file's content kept once, and
//! bundles checked out of it (after OSTree).
//!
//! The first unpack of a layer (by diff ID) puts its files' contents in
//! the store as objects named by their SHA-256 and records the layer's
//! *listing*: every entry's header and, for a file, its object. Any later
//! unpack of a layer with that diff ID replays the listing through the
//! same extractor, taking contents from the objects, and never reads the
//! layer blob; so whiteouts, hardlinks, owners and id maps come out as
//! they would without the store.
//!
//! On disk (every directory 0700, owned by the user):
//! - `objects/<hex>`: file contents;
//! - `links/<hex>/<key>`: copies of an object carrying one entry's owner,
//!   mode, times and xattrs, hardlinked into bundles (`--store-link
//!   hardlink`), each into a bundle at most once;
//! - `layers/<algorithm>_<hex>`: listings, by diff ID;
//! - `blobs/<algorithm>_<hex>`: the diff ID a layer blob was read and
//!   checked to have: a listing is used only for a blob that vouches
//!   for it, so an image cannot claim another image's layer by naming
//!   its diff ID;
//! - `bundles/<hex>`: the roots checked out, for `fsck` to name;
//! - `tmp/`: objects being written, renamed into place only when whole.
//!
//! A store is used only when its owner is the caller (or root) and no one
//! else may write to it; everything in it is opened relative to its
//! handle, refusing symlinks. Unpacks hold a shared `flock` on the store
//! directory, `gc` an exclusive one.
//!
//! - [`listing`]: the listing format.
//! - [`objects`]: writing, finding and placing objects.
//! - [`checkout`]: the extractor's side of the store, one per unpack.
//! - `link_copy`: hardlink checkouts, and the check of what a link brings.
//! - `publish`: objects made from a layer's files in the background.
//! - [`maintain`]: `gc`, `du` and `fsck`.

pub mod checkout;
mod error;
mod link_copy;
pub mod listing;
pub mod maintain;
pub mod objects;
mod open;
mod publish;

pub use checkout::{Checkout, LinkMode};
pub use error::StoreError;
pub use open::{Store, StoreLock};

/// The environment variable that names a store for callers that cannot
/// change a command line.
pub const STORE_ENV: &str = "UMOCI_STORE";
