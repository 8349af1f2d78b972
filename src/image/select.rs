//! Choosing the image a command works on when a tag names an index of
//! several, one per platform: `--platform`, else the host's platform, else
//! the tag's only image. Attestations (docker's `unknown/unknown` entries
//! and anything marked `vnd.docker.reference.type`) are never chosen.

use super::error::{ImageError, Result};
use super::platform::{display, from_config, PlatformSpec, Selection};
use crate::layout::index::Resolved;
use crate::layout::{index, DescriptorPath, Layout, LayoutError};
use crate::spec::media_type::{self, Kind};
use crate::spec::{Descriptor, Index, ANNOTATION_REF_NAME};
use crate::spec::{Image, Manifest, Platform};

/// Every image the tag offers, in index order, each once (by the first
/// path to it): image manifests and other manifests with a platform (so
/// that choosing among docker's never silently picks another
/// architecture), attestations left out. A tag naming something that is
/// not an image is an error, as it always was; so is a tag whose paths
/// lead to several things none of which names a platform (upstream's
/// "ambiguous").
pub fn images(layout: &Layout, index: &Index, tag: &str) -> Result<Vec<DescriptorPath>> {
    // A tag on two entries of index.json is ambiguous, as it always was,
    // even if each names an index: they are not one index.
    if index::tagged(index, tag).count() > 1 {
        return Err(ImageError::TagAmbiguous(tag.to_owned()));
    }
    images_of(tag, &index::resolve(layout, index, tag)?)
}

/// [`images`], from what the tag (on one `index.json` entry) resolved to.
fn images_of(tag: &str, resolved: &[Resolved]) -> Result<Vec<DescriptorPath>> {
    let Some(first) = resolved.first() else {
        return Err(ImageError::TagNotFound(tag.to_owned()));
    };
    if let Some(bad) = resolved.iter().find(|r| r.path.descriptor().size < 0) {
        return Err(LayoutError::BadDescriptor {
            digest: bad.path.descriptor().digest.clone(),
            reason: format!("negative size {}", bad.path.descriptor().size),
        }
        .into());
    }
    let not_image = |d: &Descriptor| d.media_type != media_type::IMAGE_MANIFEST;
    let paths: usize = resolved.iter().map(|r| r.paths).sum();
    if paths == 1 && not_image(first.path.descriptor()) {
        return Err(not_a_manifest(tag, first.path.descriptor()));
    }
    let targets: Vec<&Resolved> = resolved
        .iter()
        .filter(|r| !r.path.descriptor().is_attestation())
        .collect();
    // Without platforms there is nothing to choose by: two paths are
    // ambiguous, as upstream says.
    let any_platform = targets
        .iter()
        .any(|r| r.path.descriptor().platform.is_some());
    if !any_platform && targets.iter().map(|r| r.paths).sum::<usize>() > 1 {
        return Err(ImageError::TagAmbiguous(tag.to_owned()));
    }
    let targets: Vec<&DescriptorPath> = targets.iter().map(|r| &r.path).collect();
    let images: Vec<DescriptorPath> = targets
        .iter()
        .filter(|p| !not_image(p.descriptor()) || p.descriptor().platform.is_some())
        .map(|p| (*p).clone())
        .collect();
    if images.is_empty() {
        return Err(match targets.first() {
            // Docker manifest lists, artifacts, …: say what was found.
            Some(p) => not_a_manifest(tag, p.descriptor()),
            None => ImageError::NoImage(tag.to_owned()),
        });
    }
    Ok(images)
}

fn not_a_manifest(tag: &str, desc: &Descriptor) -> ImageError {
    ImageError::NotAManifest {
        tag: tag.to_owned(),
        media_type: desc.media_type.clone(),
    }
}

/// Whether `images` (of one tag, distinct as [`images`] gives them) are
/// one image per platform: several, each with a platform.
pub fn is_per_platform(images: &[DescriptorPath]) -> bool {
    images.len() > 1 && images.iter().all(|p| p.descriptor().platform.is_some())
}

/// The one image of `tag` that `selection` (never [`Selection::All`])
/// chooses.
pub fn select_one(
    layout: &Layout,
    index: &Index,
    tag: &str,
    selection: &Selection,
) -> Result<DescriptorPath> {
    let mut chosen = select(layout, index, tag, selection)?;
    match chosen.len() {
        1 => Ok(chosen.remove(0)),
        _ => Err(ImageError::TagAmbiguous(tag.to_owned())),
    }
}

/// The images of `tag` that `selection` chooses: exactly one, unless
/// [`Selection::All`].
pub fn select(
    layout: &Layout,
    index: &Index,
    tag: &str,
    selection: &Selection,
) -> Result<Vec<DescriptorPath>> {
    let chosen = choose(layout, index, tag, selection)?;
    // A docker manifest (say) was the one to choose: we cannot edit it.
    if let Some(other) = chosen
        .iter()
        .find(|p| p.descriptor().media_type != media_type::IMAGE_MANIFEST)
    {
        return Err(not_a_manifest(tag, other.descriptor()));
    }
    Ok(chosen)
}

fn choose(
    layout: &Layout,
    index: &Index,
    tag: &str,
    selection: &Selection,
) -> Result<Vec<DescriptorPath>> {
    let images = images(layout, index, tag)?;
    let wanted = match selection {
        Selection::All => return Ok(images),
        // Nothing to choose: the tag's only image, whatever its platform
        // (a plain manifest has none to compare).
        Selection::Default if images.len() == 1 => return Ok(images),
        // A plain image: its config says what platform it is for.
        Selection::Only(spec) if images.len() == 1 && images[0].descriptor().platform.is_none() => {
            return check_config_platform(layout, tag, images, spec)
        }
        Selection::Default => PlatformSpec::host(),
        Selection::Only(spec) => spec.clone(),
    };
    let matching: Vec<DescriptorPath> = images
        .iter()
        .filter(|p| {
            p.descriptor()
                .platform
                .as_ref()
                .is_some_and(|pl| wanted.matches(pl))
        })
        .cloned()
        .collect();
    match matching.as_slice() {
        [] => Err(ImageError::PlatformNotFound {
            tag: tag.to_owned(),
            wanted: wanted.to_string(),
            available: available(&images),
        }),
        // Targets are distinct (resolve counts a manifest listed twice
        // once): one match is one image.
        [one] => Ok(vec![one.clone()]),
        _ => Err(ImageError::PlatformAmbiguous {
            tag: tag.to_owned(),
            platform: wanted.to_string(),
        }),
    }
}

/// The single image `images` holds, if its config is for `wanted` (or
/// names no platform): `--platform` on a plain image is a check, as
/// docker's and podman's is.
fn check_config_platform(
    layout: &Layout,
    tag: &str,
    images: Vec<DescriptorPath>,
    wanted: &PlatformSpec,
) -> Result<Vec<DescriptorPath>> {
    let (manifest, _) = layout.read_json::<Manifest>(images[0].descriptor())?;
    if media_type::kind(&manifest.config.media_type) != Kind::Config {
        return Ok(images);
    }
    let (config, _) = layout.read_json::<Image>(&manifest.config)?;
    if config.os.is_empty() || config.architecture.is_empty() {
        return Ok(images);
    }
    let platform = from_config(&config);
    if wanted.matches(&platform) {
        return Ok(images);
    }
    Err(ImageError::PlatformNotFound {
        tag: tag.to_owned(),
        wanted: wanted.to_string(),
        available: display(&platform),
    })
}

/// Most platforms an error lists.
const MAX_LISTED: usize = 16;

/// `linux/amd64, linux/arm64/v8`: the platforms on offer, for messages.
fn available(images: &[DescriptorPath]) -> String {
    let mut listed: Vec<String> = images
        .iter()
        .take(MAX_LISTED + 1)
        .map(|p| match &p.descriptor().platform {
            Some(platform) => display(platform),
            None => format!("{} (no platform)", p.descriptor().digest),
        })
        .collect();
    cap_list(&mut listed, images.len());
    listed.join(", ")
}

/// The platforms given, for messages, at most [`MAX_LISTED`] of them.
pub fn list_platforms<'a>(platforms: impl Iterator<Item = &'a Platform>) -> String {
    let mut count = 0;
    let mut listed = Vec::new();
    for p in platforms {
        count += 1;
        if listed.len() <= MAX_LISTED {
            listed.push(display(p));
        }
    }
    cap_list(&mut listed, count);
    listed.join(", ")
}

fn cap_list(listed: &mut Vec<String>, count: usize) {
    if count > MAX_LISTED {
        listed.truncate(MAX_LISTED);
        listed.push(format!("and {} more", count - MAX_LISTED));
    }
}

/// The selection that finds the image at `path` again: its platform, if
/// its index entry names one.
pub fn selection_for(path: &DescriptorPath) -> Selection {
    match &path.descriptor().platform {
        Some(platform) if path.walk.len() > 1 => Selection::Only(PlatformSpec::of(platform)),
        _ => Selection::Default,
    }
}

/// Where an edit of the image found at `base` is written under the index
/// lock: when `base` is one platform of an index and `tag` is the tag it
/// was found under, the path to that platform's image in the tag's
/// current tree (so that edits other writers made meanwhile to the other
/// platforms are kept), and an error if the tag no longer has that
/// platform (writing the old index back would undo those edits);
/// otherwise `base` itself, as before multi-platform support.
pub fn rebase(
    layout: &Layout,
    index: &Index,
    base: &DescriptorPath,
    tag: &str,
) -> Result<DescriptorPath> {
    let selection = selection_for(base);
    if base.root().ref_name() != Some(tag) || selection == Selection::Default {
        return Ok(base.clone());
    }
    match select_one(layout, index, tag, &selection) {
        Ok(path) => Ok(path),
        // The tag was removed: it is made again from what was read, as
        // a single image's tag always was.
        Err(ImageError::TagNotFound(_)) => Ok(base.clone()),
        Err(e) => Err(e),
    }
}

/// What a new tag for `tag` points at: the image it resolves to, or, for
/// an index of several platforms, that index (the new tag names every
/// platform, as the old one does).
pub fn tag_target(layout: &Layout, idx: &Index, tag: &str) -> Result<Descriptor> {
    let resolved = index::resolve(layout, idx, tag)?;
    let roots: Vec<&Descriptor> = index::tagged(idx, tag).collect();
    match resolved.as_slice() {
        [] => Err(ImageError::TagNotFound(tag.to_owned())),
        [one] if one.paths == 1 => Ok(one.path.descriptor().clone()),
        _ => {
            let attested = resolved
                .iter()
                .any(|r| r.path.descriptor().is_attestation());
            // Several platforms, or one image and its attestations: the
            // index is what the tag names.
            let whole_index = roots.len() == 1
                && images_of(tag, &resolved)
                    .is_ok_and(|i| is_per_platform(&i) || (i.len() == 1 && attested));
            if whole_index {
                let mut root = roots[0].clone();
                root.annotations.remove(ANNOTATION_REF_NAME);
                Ok(root)
            } else {
                Err(ImageError::TagAmbiguous(tag.to_owned()))
            }
        }
    }
}
