//! Building layers and images in tests: tar entries of every kind (with
//! raw, hostile names when needed) and appending them to an image through
//! the library, as `raw add-layer` will.

use std::io::Write;
use std::path::Path;

use umoci::image::{mutate, ImageError, ImageSource};
use umoci::layout::{index, Layout};
use umoci::spec::{media_type, Digest};

/// Builds an uncompressed layer tar.
pub struct LayerBuilder {
    tar: tar::Builder<Vec<u8>>,
}

pub const MTIME: u64 = 1_600_000_000;

impl LayerBuilder {
    pub fn new() -> Self {
        LayerBuilder {
            tar: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: tar::EntryType, mode: u32, uid: u64, gid: u64, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(MTIME);
        h.set_size(size);
        h
    }

    /// Appends an entry whose name is written into the header verbatim
    /// (no validation: `..`, absolute paths and any bytes go through).
    pub fn raw(&mut self, mut h: tar::Header, name: &[u8], link: &[u8], data: &[u8]) -> &mut Self {
        assert!(name.len() < 100 && link.len() < 100);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name);
        gnu.linkname[..link.len()].copy_from_slice(link);
        h.set_cksum();
        self.tar.append(&h, data).unwrap();
        self
    }

    pub fn dir(&mut self, name: &str, mode: u32, uid: u64, gid: u64) -> &mut Self {
        let h = Self::header(tar::EntryType::Directory, mode, uid, gid, 0);
        self.raw(h, name.as_bytes(), b"", b"")
    }

    pub fn file(&mut self, name: &str, data: &[u8], mode: u32, uid: u64, gid: u64) -> &mut Self {
        self.file_bytes(name.as_bytes(), data, mode, uid, gid)
    }

    pub fn file_bytes(
        &mut self,
        name: &[u8],
        data: &[u8],
        mode: u32,
        uid: u64,
        gid: u64,
    ) -> &mut Self {
        let h = Self::header(tar::EntryType::Regular, mode, uid, gid, data.len() as u64);
        self.raw(h, name, b"", data)
    }

    /// A file whose name may be long (GNU long-name extension).
    pub fn long_file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        let mut h = Self::header(tar::EntryType::Regular, 0o644, 0, 0, data.len() as u64);
        self.tar.append_data(&mut h, name, data).unwrap();
        self
    }

    /// A directory whose name may be long.
    pub fn long_dir(&mut self, name: &str) -> &mut Self {
        let mut h = Self::header(tar::EntryType::Directory, 0o755, 0, 0, 0);
        self.tar
            .append_data(&mut h, name, std::io::empty())
            .unwrap();
        self
    }

    /// A symlink whose target may be long.
    pub fn long_symlink(&mut self, name: &str, target: &str) -> &mut Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0o777, 0, 0, 0);
        self.tar.append_link(&mut h, name, target).unwrap();
        self
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
        let h = Self::header(tar::EntryType::Symlink, 0o777, 0, 0, 0);
        self.raw(h, name.as_bytes(), target.as_bytes(), b"")
    }

    pub fn hardlink(&mut self, name: &str, target: &str) -> &mut Self {
        let h = Self::header(tar::EntryType::Link, 0o644, 0, 0, 0);
        self.raw(h, name.as_bytes(), target.as_bytes(), b"")
    }

    pub fn node(&mut self, name: &str, kind: tar::EntryType, major: u32, minor: u32) -> &mut Self {
        let mut h = Self::header(kind, 0o640, 0, 0, 0);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        self.raw(h, name.as_bytes(), b"", b"")
    }

    /// PAX records for the next entry, written as given.
    pub fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
        self.tar
            .append_pax_extensions(records.iter().map(|(k, v)| (*k, *v)))
            .unwrap();
        self
    }

    /// A file preceded by PAX `SCHILY.xattr.*` records.
    pub fn file_with_xattrs(
        &mut self,
        name: &str,
        data: &[u8],
        xattrs: &[(&str, &[u8])],
    ) -> &mut Self {
        let records: Vec<(String, &[u8])> = xattrs
            .iter()
            .map(|(k, v)| (format!("SCHILY.xattr.{k}"), *v))
            .collect();
        self.tar
            .append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), *v)))
            .unwrap();
        self.file(name, data, 0o644, 0, 0)
    }

    /// An empty regular file: a whiteout when its name starts with `.wh.`.
    pub fn whiteout(&mut self, name: &str) -> &mut Self {
        self.file(name, b"", 0o644, 0, 0)
    }

    pub fn finish(&mut self) -> Vec<u8> {
        let builder = std::mem::replace(&mut self.tar, tar::Builder::new(Vec::new()));
        builder.into_inner().unwrap()
    }
}

/// Compresses `tar` and appends it as a layer of `layout:tag`.
pub fn add_layer(layout_path: &Path, tag: &str, tar: &[u8], compression: &str) {
    let (mt, blob) = match compression {
        "gzip" => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(tar).unwrap();
            (media_type::LAYER_TAR_GZIP, gz.finish().unwrap())
        }
        "zstd" => (
            media_type::LAYER_TAR_ZSTD,
            zstd::encode_all(tar, 3).unwrap(),
        ),
        "docker" => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(tar).unwrap();
            (media_type::DOCKER_LAYER_GZIP, gz.finish().unwrap())
        }
        _ => (media_type::LAYER_TAR, tar.to_vec()),
    };
    let layout = Layout::open(layout_path).unwrap();
    layout
        .update_index(|idx| -> Result<(), ImageError> {
            let mut source = ImageSource::open(&layout, idx, tag, &Default::default())?;
            let desc = layout.put_blob_bytes(mt, &blob)?;
            source.manifest.layers.push(desc);
            source.config.rootfs.diff_ids.push(Digest::sha256_of(tar));
            let root = mutate::commit(&layout, &source)?;
            index::set_ref(idx, tag, root)?;
            Ok(())
        })
        .unwrap();
}

/// Appends a gzip layer whose tar `write` streams out, for layers too big
/// to hold in memory (bombs, millions of entries).
pub fn add_layer_streamed(layout_path: &Path, tag: &str, write: impl FnOnce(&mut dyn Write)) {
    /// Hashes the tar (its diff ID) on its way into the compressor.
    struct Tee<W> {
        hasher: umoci::spec::Hasher,
        out: W,
    }
    impl<W: Write> Write for Tee<W> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = self.out.write(buf)?;
            self.hasher.update(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.out.flush()
        }
    }
    let layout = Layout::open(layout_path).unwrap();
    let blob = layout.blob_writer().unwrap();
    let mut tee = Tee {
        hasher: umoci::spec::Algorithm::Sha256.hasher(),
        out: flate2::write::GzEncoder::new(blob, flate2::Compression::fast()),
    };
    write(&mut tee);
    let diff_id = tee.hasher.finish();
    let (digest, size) = tee.out.finish().unwrap().commit().unwrap();
    layout
        .update_index(|idx| -> Result<(), ImageError> {
            let mut source = ImageSource::open(&layout, idx, tag, &Default::default())?;
            source.manifest.layers.push(umoci::spec::Descriptor::new(
                media_type::LAYER_TAR_GZIP,
                digest,
                size,
            ));
            source.config.rootfs.diff_ids.push(diff_id);
            let root = mutate::commit(&layout, &source)?;
            index::set_ref(idx, tag, root)?;
            Ok(())
        })
        .unwrap();
}

/// A fresh layout with an empty image `tag`.
pub fn new_image(dir: &Path, name: &str, tag: &str) -> std::path::PathBuf {
    let layout = super::init_layout(dir, name);
    super::umoci(&["new", "--image", &super::image_arg(&layout, tag)]).ok();
    layout
}

/// Rewrites the image `layout:tag` through `edit` (new blobs for what
/// changed; the tag moves), as a hostile image author could.
pub fn edit_image(layout_path: &Path, tag: &str, edit: impl FnOnce(&mut ImageSource)) {
    let layout = Layout::open(layout_path).unwrap();
    layout
        .update_index(|idx| -> Result<(), ImageError> {
            let mut source = ImageSource::open(&layout, idx, tag, &Default::default())?;
            edit(&mut source);
            let root = mutate::commit(&layout, &source)?;
            index::set_ref(idx, tag, root)?;
            Ok(())
        })
        .unwrap();
}

/// Rewrites the config of `layout:tag` through `edit` (a new config and
/// manifest blob; the tag moves).
pub fn edit_config(layout_path: &Path, tag: &str, edit: impl FnOnce(&mut umoci::spec::Image)) {
    edit_image(layout_path, tag, |source| edit(&mut source.config));
}

/// Rewrites the manifest of `layout:tag` through `edit` (a new manifest
/// blob; the tag moves).
pub fn edit_manifest(layout_path: &Path, tag: &str, edit: impl FnOnce(&mut umoci::spec::Manifest)) {
    edit_image(layout_path, tag, |source| edit(&mut source.manifest));
}
