//! Finding a tagged image and reading its manifest and config.

use super::error::Result;
use super::platform::from_config;
use super::platform::Selection;
use super::select::select_one;
use crate::layout::{DescriptorPath, Layout, LayoutError};
use crate::spec::media_type::{self, Kind};
use crate::spec::{Image, Index, Manifest, Platform};

/// A tagged image as stored: where the tag leads, the manifest and config.
#[derive(Debug, Clone)]
pub struct ImageSource {
    /// From the `index.json` entry down to the manifest.
    pub path: DescriptorPath,
    /// The manifest.
    pub manifest: Manifest,
    /// The config.
    pub config: Image,
    /// The platform the config declared as loaded (an edit that changes
    /// it moves the image's index entry with it).
    pub loaded_platform: Platform,
}

impl ImageSource {
    /// Reads the image that `path` leads to, checking that its config is an
    /// image config and that diff IDs and layers agree in number.
    pub fn load(layout: &Layout, path: DescriptorPath) -> Result<Self> {
        let (manifest, _) = layout.read_json::<Manifest>(path.descriptor())?;
        if media_type::kind(&manifest.config.media_type) != Kind::Config {
            return Err(LayoutError::WrongMediaType {
                digest: manifest.config.digest.clone(),
                expected: media_type::IMAGE_CONFIG,
                found: manifest.config.media_type.clone(),
            }
            .into());
        }
        let (config, _) = layout.read_json::<Image>(&manifest.config)?;
        Ok(ImageSource {
            path,
            manifest,
            loaded_platform: from_config(&config),
            config,
        })
    }

    /// Resolves `tag` to the image `selection` chooses and loads it.
    pub fn open(layout: &Layout, index: &Index, tag: &str, selection: &Selection) -> Result<Self> {
        let path = select_one(layout, index, tag, selection)?;
        Self::load(layout, path)
    }
}
